# Checking received virtio_net_hdrs (jbp_vnet.c): every well-formed and malformed case, no root needed.
add_executable(test_vnet ${CMAKE_CURRENT_LIST_DIR}/test_vnet.c ${CMAKE_SOURCE_DIR}/native/src/jbp_vnet.c)
target_include_directories(test_vnet PRIVATE ${CMAKE_SOURCE_DIR}/native/include)
target_compile_options(test_vnet PRIVATE ${JBYPASS_C_FLAGS})
foreach(test_case plain_frames checksum_states tcp_super_frames udp_super_frames hostile_headers every_truncation ipv6_frames tx_headers)
  add_test(NAME vnet.${test_case} COMMAND test_vnet ${test_case})
  set_tests_properties(vnet.${test_case} PROPERTIES TIMEOUT 30)
endforeach()
