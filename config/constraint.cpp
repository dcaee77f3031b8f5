#include "config/constraint.hpp"

#include <cctype>
#include <string>

namespace shoal::config {
namespace {

bool attr_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ||
         c == '/';
}
bool bare_char(char c) { return attr_char(c) || c == ':'; }

class ConstraintParser {
 public:
  explicit ConstraintParser(std::string_view t) : t_(t) {}

  Checked<Constraint> run() {
    using C = Checked<Constraint>;
    skip_space();
    if (at_end()) return C::fail("empty constraint");
    Constraint c;
    const std::string attr = word(attr_char);
    if (attr.empty()) return C::fail("expected name, zone or label.KEY at " + rest());
    if (attr == "name") {
      c.attr = Constraint::Attr::name;
    } else if (attr == "zone") {
      c.attr = Constraint::Attr::zone;
    } else if (attr.rfind("label.", 0) == 0 && attr.size() > 6) {
      c.attr = Constraint::Attr::label;
      c.label = attr.substr(6);
    } else if (attr == "label" || attr == "label.") {
      return C::fail("missing the label key (use label.KEY)");
    } else {
      return C::fail("unknown attribute \"" + attr + "\" (use name, zone or label.KEY)");
    }
    skip_space();
    if (t_.substr(i_, 2) == "==") {
      c.op = Constraint::Op::eq;
      i_ += 2;
    } else if (t_.substr(i_, 2) == "!=") {
      c.op = Constraint::Op::ne;
      i_ += 2;
    } else if (keyword("in")) {
      c.op = Constraint::Op::in;
    } else if (keyword("not")) {
      skip_space();
      if (!keyword("in")) return C::fail("expected \"in\" after \"not\"");
      c.op = Constraint::Op::not_in;
    } else if (at_end()) {
      return C::fail("missing operator after \"" + attr + "\" (use ==, !=, in or not in)");
    } else if (t_[i_] == '=') {
      return C::fail("unknown operator \"=\" (use == to compare)");
    } else {
      return C::fail("expected an operator (==, !=, in or not in) at " + rest());
    }
    skip_space();
    const bool list_op = c.op == Constraint::Op::in || c.op == Constraint::Op::not_in;
    const char* op_text = c.op == Constraint::Op::eq   ? "=="
                          : c.op == Constraint::Op::ne ? "!="
                          : c.op == Constraint::Op::in ? "in"
                                                       : "not in";
    if (at_end()) return C::fail(std::string("missing value after \"") + op_text + "\"");
    if (list_op) {
      if (t_[i_] != '[')
        return C::fail(std::string("\"") + op_text + "\" takes a list, like [a, b]");
      ++i_;
      skip_space();
      if (!at_end() && t_[i_] == ']') return C::fail("empty list");
      while (true) {
        std::string v;
        if (auto e = value(v); !e.empty()) return C::fail(e);
        c.values.push_back(std::move(v));
        skip_space();
        if (at_end()) return C::fail("missing ']' at the end of the list");
        if (t_[i_] == ']') {
          ++i_;
          break;
        }
        if (t_[i_] != ',') return C::fail("expected ',' or ']' in the list at " + rest());
        ++i_;
        skip_space();
      }
    } else {
      if (t_[i_] == '[')
        return C::fail(std::string("\"") + op_text + "\" takes one value; use \"in\" for a list");
      std::string v;
      if (auto e = value(v); !e.empty()) return C::fail(e);
      c.values.push_back(std::move(v));
    }
    skip_space();
    if (!at_end()) return C::fail("unexpected " + rest() + " after the value");
    return Checked<Constraint>{std::move(c), {}};
  }

 private:
  bool at_end() const { return i_ >= t_.size(); }
  std::string rest() const {
    std::string out = "\"";
    out += t_.substr(i_);
    out += '"';
    return out;
  }
  void skip_space() {
    while (!at_end() && (t_[i_] == ' ' || t_[i_] == '\t')) ++i_;
  }
  template <typename Pred>
  std::string word(Pred pred) {
    const std::size_t start = i_;
    while (!at_end() && pred(t_[i_])) ++i_;
    return std::string(t_.substr(start, i_ - start));
  }
  // Consumes `kw` when it is a whole word here.
  bool keyword(std::string_view kw) {
    if (t_.substr(i_, kw.size()) != kw) return false;
    const std::size_t after = i_ + kw.size();
    if (after < t_.size() && attr_char(t_[after])) return false;
    i_ = after;
    return true;
  }
  // One value: a quoted string or a bare word. Empty return = ok.
  std::string value(std::string& out) {
    if (at_end()) return "missing value";
    const char q = t_[i_];
    if (q == '"' || q == '\'') {
      ++i_;
      while (true) {
        if (at_end()) return std::string("missing closing ") + q;
        char c = t_[i_++];
        if (c == q) break;
        if (c == '\\' && q == '"') {
          if (at_end()) return "missing closing \"";
          c = t_[i_++];
          if (c != '"' && c != '\\' && c != '\'') return "unknown escape \\" + std::string(1, c);
        }
        out += c;
      }
      return {};
    }
    out = word(bare_char);
    if (out.empty()) return "expected a value at " + rest();
    return {};
  }

  std::string_view t_;
  std::size_t i_ = 0;
};

}  // namespace

Checked<Constraint> parse_constraint(std::string_view text) {
  return ConstraintParser(text).run();
}

}  // namespace shoal::config
