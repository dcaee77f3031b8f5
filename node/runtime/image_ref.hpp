// Image references as the engine's pull must get them: without a tag, `POST /images/create`
// pulls every tag of the repository, so a reference with neither tag nor digest gets `:latest`.
#pragma once

#include <string>

namespace shoal::runtime {

// `nginx` -> `nginx:latest`; `host:5000/team/app` -> `host:5000/team/app:latest` (the colon
// of a registry port is not a tag); `app:1.2`, `app@sha256:...` and `app:1.2@sha256:...` are
// kept. Only the last path component can carry a tag.
std::string normalize_image_ref(const std::string& ref);

}  // namespace shoal::runtime
