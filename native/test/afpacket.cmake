# The afpacket driver's tests: one ctest per case, each in a network namespace of its own (see test_afpacket.c).
# Without root they exit 77 and ctest reports them as skipped.
find_package(Threads REQUIRED)
add_executable(test_afpacket ${CMAKE_CURRENT_LIST_DIR}/test_afpacket.c ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket_setup.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket_rx.c ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket_tx.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_vnet.c)
target_include_directories(test_afpacket PRIVATE ${CMAKE_SOURCE_DIR}/native/include)
target_compile_options(test_afpacket PRIVATE ${JBYPASS_C_FLAGS})
target_link_libraries(test_afpacket PRIVATE Threads::Threads)

# Every case runs on both receive ring layouts: afpacket.CASE (TPACKET_V3 blocks), afpacket.frame.CASE (TPACKET_V2),
# each transmitting through a TX ring of the same version; afpacket.sendmmsg.CASE and afpacket.frame.sendmmsg.CASE
# transmit with sendmmsg(2) instead.
foreach(test_case missing_interface open_errors exchange partial_bursts transmit_checks vlan_tag_restored
                  oversize_and_truncated kernel_drops wait_and_wakeup concurrent_waiters checksum_status mac_membership
                  multicast_membership
                  deferred_kick lone_frames concurrent_kicks super_frames tx_super_frames tx_gather tx_super_frames6)
  add_test(NAME afpacket.${test_case} COMMAND test_afpacket ${test_case} block ring)
  add_test(NAME afpacket.frame.${test_case} COMMAND test_afpacket ${test_case} frame ring)
  add_test(NAME afpacket.sendmmsg.${test_case} COMMAND test_afpacket ${test_case} block sendmmsg)
  add_test(NAME afpacket.frame.sendmmsg.${test_case} COMMAND test_afpacket ${test_case} frame sendmmsg)
  set_tests_properties(afpacket.${test_case} afpacket.frame.${test_case} afpacket.sendmmsg.${test_case}
                       afpacket.frame.sendmmsg.${test_case} PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 60)
endforeach()

# A UDP echo in C over the driver, for scripts/echo-floor.sh (a measurement, not a test).
add_executable(afp_udp_echo ${CMAKE_CURRENT_LIST_DIR}/afp_udp_echo.c ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket_setup.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket_rx.c ${CMAKE_SOURCE_DIR}/native/src/jbp_afpacket_tx.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_vnet.c)
target_include_directories(afp_udp_echo PRIVATE ${CMAKE_SOURCE_DIR}/native/include)
target_compile_options(afp_udp_echo PRIVATE ${JBYPASS_C_FLAGS})
