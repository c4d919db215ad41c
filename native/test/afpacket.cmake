# The afpacket driver's tests: one ctest per case, each in a network namespace of its own (see test_afpacket.c).
# Without root they exit 77 and ctest reports them as skipped.
find_package(Threads REQUIRED)
add_executable(test_afpacket ${CMAKE_CURRENT_LIST_DIR}/test_afpacket.c ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket.c)
target_include_directories(test_afpacket PRIVATE ${CMAKE_SOURCE_DIR}/native/include)
target_compile_options(test_afpacket PRIVATE ${JBYPASS_C_FLAGS})
target_link_libraries(test_afpacket PRIVATE Threads::Threads)

foreach(test_case missing_interface open_errors exchange partial_bursts transmit_checks vlan_tag_restored
                  oversize_and_truncated kernel_drops wait_and_wakeup mac_membership)
  add_test(NAME afpacket.${test_case} COMMAND test_afpacket ${test_case})
  set_tests_properties(afpacket.${test_case} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
endforeach()
