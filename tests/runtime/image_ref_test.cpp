// normalize_image_ref: an untagged reference must not make the engine pull every tag.
#include <catch2/catch.hpp>

#include "node/runtime/image_ref.hpp"

TEST_CASE("image ref: untagged references get :latest, tags and digests are kept",
          "[runtime][docker]") {
  using shoal::runtime::normalize_image_ref;
  CHECK(normalize_image_ref("nginx") == "nginx:latest");
  CHECK(normalize_image_ref("library/nginx") == "library/nginx:latest");
  CHECK(normalize_image_ref("docker.io/library/nginx") == "docker.io/library/nginx:latest");
  CHECK(normalize_image_ref("nginx:1.25") == "nginx:1.25");
  // A registry port is not a tag.
  CHECK(normalize_image_ref("host:5000/img") == "host:5000/img:latest");
  CHECK(normalize_image_ref("host:5000/team/img") == "host:5000/team/img:latest");
  CHECK(normalize_image_ref("host:5000/img:2") == "host:5000/img:2");
  CHECK(normalize_image_ref("localhost:5000/img") == "localhost:5000/img:latest");
  // Digests pin the image: unchanged, with or without a tag.
  const std::string d = "sha256:" + std::string(64, 'a');
  CHECK(normalize_image_ref("alpine@" + d) == "alpine@" + d);
  CHECK(normalize_image_ref("host:5000/img@" + d) == "host:5000/img@" + d);
  CHECK(normalize_image_ref("alpine:3.19@" + d) == "alpine:3.19@" + d);
  CHECK(normalize_image_ref("") == "");
}
