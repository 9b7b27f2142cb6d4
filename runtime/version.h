// SparseFlow's version string ("MAJOR.MINOR.PATCH").
#ifndef SF_RUNTIME_VERSION_H_
#define SF_RUNTIME_VERSION_H_

namespace sf {

const char* VersionString();

}  // namespace sf

#endif  // SF_RUNTIME_VERSION_H_
