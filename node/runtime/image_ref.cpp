#include "node/runtime/image_ref.hpp"

namespace shoal::runtime {

std::string normalize_image_ref(const std::string& ref) {
  if (ref.empty() || ref.find('@') != std::string::npos) return ref;  // pinned by digest
  const std::size_t slash = ref.rfind('/');
  const std::size_t name = slash == std::string::npos ? 0 : slash + 1;
  if (ref.find(':', name) != std::string::npos) return ref;  // tagged
  return ref + ":latest";
}

}  // namespace shoal::runtime
