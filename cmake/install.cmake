# `cmake --install` puts the libraries, headers and a CMake package config in the
# prefix, so that an outside project does
#   find_package(SparseFlow REQUIRED)
#   target_link_libraries(app PRIVATE SparseFlow::runtime)
include(CMakePackageConfigHelpers)

set(_sf_libs sf_graph sf_onnx_proto sf_onnx_importer sf_runtime)
if(SF_WITH_CUDA)
  list(APPEND _sf_libs sf_cuda)
endif()
set_target_properties(sf_runtime PROPERTIES EXPORT_NAME runtime)
target_include_directories(sf_runtime PUBLIC $<INSTALL_INTERFACE:${SF_INSTALL_INCLUDEDIR}>)
install(TARGETS ${_sf_libs} EXPORT SparseFlowTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS sfrun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# Public header plus the IR headers it exposes (Tensor, Plan, ...), keeping the
# source layout so that their own includes resolve.
install(FILES runtime/include/sf/runtime.h DESTINATION ${SF_INSTALL_INCLUDEDIR}/sf)
install(DIRECTORY graph/ DESTINATION ${SF_INSTALL_INCLUDEDIR}/graph
        FILES_MATCHING PATTERN "*.h" PATTERN "*.def")
install(DIRECTORY runtime/ DESTINATION ${SF_INSTALL_INCLUDEDIR}/runtime
        FILES_MATCHING PATTERN "*.h" PATTERN "include" EXCLUDE)

install(EXPORT SparseFlowTargets NAMESPACE SparseFlow::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/SparseFlow)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/SparseFlowConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/SparseFlowConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/SparseFlow)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/SparseFlowConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/SparseFlowConfig.cmake
              ${CMAKE_BINARY_DIR}/SparseFlowConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/SparseFlow)
