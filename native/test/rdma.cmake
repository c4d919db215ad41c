# rdma driver tests (no hardware needed): the mlx5 model (mlx5_model.c) with the driver's Direct Verbs datapath
# running unchanged on its rings, the verbs datapath on a fake verbs context, and the real device path's error
# handling on this machine (no RDMA device). See docs/RDMA.md for what has only ever run on the model.

set(JBP_RDMA_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

# The datapath and the model, position independent so that the Java tests' JNI library links them too.
add_library(jbp_rdma_model STATIC
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_dv.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_verbs.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_port.c
  ${JBP_RDMA_TEST_DIR}/mlx5_model.c)
set_target_properties(jbp_rdma_model PROPERTIES POSITION_INDEPENDENT_CODE ON)
target_link_libraries(jbp_rdma_model PUBLIC pthread)
target_include_directories(jbp_rdma_model PUBLIC ${CMAKE_SOURCE_DIR}/native/include ${JBP_RDMA_TEST_DIR}
  ${IBVERBS_INCLUDE_DIR})
target_compile_options(jbp_rdma_model PRIVATE ${JBYPASS_C_FLAGS})

add_executable(test_mlx5_dv ${JBP_RDMA_TEST_DIR}/test_mlx5_dv.c)
target_link_libraries(test_mlx5_dv PRIVATE jbp_rdma_model pthread)
target_compile_options(test_mlx5_dv PRIVATE ${JBYPASS_C_FLAGS})

foreach(case
    dv_tx_rx_bursts
    dv_wraparound_16bit_counters
    mlx5_cq_ownership_flips
    mlx5_compressed_cqe_sessions
    mlx5_compressed_cqe_split_across_bursts
    mlx5_compressed_holes_invalidated
    mlx5_tx_error_cqe_recovers
    mlx5_syndrome_words
    mlx5_lso_and_gather
    mlx5_lso_ipv6
    mlx5_rx_error_cqe_nonfatal
    mlx5_rx_error_cqe_fatal_recovers
    mlx5_rx_wqe_counter_mismatch
    dv_adversarial_hw_thread
    mlx5_send_queue_per_poller
    dv_send_queues_hw_thread
    mlx5_cq_arming_events
    mlx5_strict_queue_states
    mlx5_inline_mode_detected
    mlx5_rx_unexpected_opcode
    dv_doorbell_values
    dv_tx_ring_full
    dv_rx_burst_not_armed
    dv_tx_invalid_frames_dropped
    dv_buffer_recycling_no_leaks
    mlx5_checksum_offload
    mlx5_rss_toeplitz_vectors
    mlx5_rss_spreads_flows
    mlx5_rss_ipv6
    dv_port_quiesce_returns_all
    mlx5_rewritten_wqe_caught)
  add_test(NAME ${case} COMMAND test_mlx5_dv ${case})
endforeach()

# The sysfs diagnosis (no RDMA device, mlx5_ib or ib_uverbs not loaded, /dev/infiniband missing or not
# accessible, SR-IOV VF) on fake sysfs trees, and the device path's errors on this machine (no RDMA device).
add_executable(test_mlx5_probe ${JBP_RDMA_TEST_DIR}/test_mlx5_probe.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_sysfs.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_admit.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_netlink.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_device.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_ibv.c)
target_link_libraries(test_mlx5_probe PRIVATE jbp_rdma_model ${CMAKE_DL_LIBS} pthread)
target_compile_options(test_mlx5_probe PRIVATE ${JBYPASS_C_FLAGS})
foreach(case
    mlx5_probe_no_such_interface
    mlx5_probe_not_pci
    mlx5_probe_not_mlx5_core
    mlx5_probe_mlx5_ib_not_loaded
    mlx5_probe_ib_uverbs_not_loaded
    mlx5_probe_uverbs_node_missing
    mlx5_probe_uverbs_node_not_accessible
    mlx5_probe_ok_and_sriov_vf
    mlx5_probe_mac_owner
    mlx5_open_without_rdma_core
    mlx5_open_no_device_present
    mlx5_open_device_not_listed
    mlx5_open_refuses_netdev_mac)
  add_test(NAME ${case} COMMAND test_mlx5_probe ${case})
endforeach()

# Test-only JNI library for the Java tests (RdmaLink over the model); never packed into jbypass.jar.
add_library(jbp_mlx5_model SHARED ${JBP_RDMA_TEST_DIR}/mlx5_model_jni.c ${CMAKE_SOURCE_DIR}/native/src/jbp_jni.c)
target_link_libraries(jbp_mlx5_model PRIVATE jbp_rdma_model)
target_include_directories(jbp_mlx5_model PRIVATE ${JNI_INCLUDE_DIRS})
target_compile_options(jbp_mlx5_model PRIVATE ${JBYPASS_C_FLAGS})
target_link_options(jbp_mlx5_model PRIVATE -Wl,--no-undefined)
set_target_properties(jbp_mlx5_model PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/test-lib)

# The verbs datapath on a fake provider (context ops and WQ post_recv are ours).
add_executable(test_mlx5_verbs ${JBP_RDMA_TEST_DIR}/test_mlx5_verbs.c)
target_link_libraries(test_mlx5_verbs PRIVATE jbp_rdma_model)
target_compile_options(test_mlx5_verbs PRIVATE ${JBYPASS_C_FLAGS})
foreach(case
    mlx5_verbs_bursts_both_ways
    mlx5_verbs_rx_completion_status_checked
    mlx5_verbs_tx_completion_status_checked
    mlx5_verbs_post_failures
    mlx5_verbs_chains_refused
    mlx5_verbs_rx_polls_no_more_than_armed)
  add_test(NAME ${case} COMMAND test_mlx5_verbs ${case})
endforeach()

# MAC admission through rtnetlink and the netdev-MAC guard: request bytes, answer parsing, the open/change/close
# path and crash recovery against a fake kernel (a struct jbp_nl of the test's), the guard on the fake sysfs tree.
add_executable(test_rdma_admit ${JBP_RDMA_TEST_DIR}/test_rdma_admit.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_admit.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_netlink.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_sysfs.c)
target_include_directories(test_rdma_admit PRIVATE ${CMAKE_SOURCE_DIR}/native/include ${JBP_RDMA_TEST_DIR}
  ${IBVERBS_INCLUDE_DIR})
target_compile_options(test_rdma_admit PRIVATE ${JBYPASS_C_FLAGS})
foreach(case
    netlink_request_bytes
    netlink_parse_answers
    netlink_parse_vf_list
    netlink_real_socket_dump
    netlink_real_multicast_list
    admit_open_change_close
    admit_multicast_groups
    admit_after_crash_next_open
    admit_refused_or_present
    admit_warnings
    guard_every_netdev)
  add_test(NAME rdma_${case} COMMAND test_rdma_admit ${case})
endforeach()
set_tests_properties(rdma_netlink_real_socket_dump rdma_netlink_real_multicast_list PROPERTIES SKIP_RETURN_CODE 77)

# scripts/rdma-bringup.sh in dry-run mode against the fake sysfs tree (what CI can check of the bring-up script).
add_executable(fake_sysfs_tree ${JBP_RDMA_TEST_DIR}/fake_sysfs_tree.c)
target_compile_options(fake_sysfs_tree PRIVATE ${JBYPASS_C_FLAGS})
add_test(NAME rdma_bringup_dry_run COMMAND bash ${JBP_RDMA_TEST_DIR}/rdma_bringup_test.sh
  $<TARGET_FILE:fake_sysfs_tree> ${CMAKE_SOURCE_DIR}/scripts/rdma-bringup.sh)

# The device path (jbp_rdma_device.c) end to end on a fake rdma-core backed by the model (fake_verbs.c), loaded
# with dlopen as the real one is.
add_library(jbp_fake_verbs SHARED ${JBP_RDMA_TEST_DIR}/fake_verbs.c)
target_link_libraries(jbp_fake_verbs PRIVATE jbp_rdma_model)
target_compile_options(jbp_fake_verbs PRIVATE ${JBYPASS_C_FLAGS})
set_target_properties(jbp_fake_verbs PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/test-lib)
add_executable(test_rdma_device ${JBP_RDMA_TEST_DIR}/test_rdma_device.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_device.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_ibv.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_sysfs.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_admit.c
  ${CMAKE_SOURCE_DIR}/native/src/jbp_rdma_netlink.c)
target_link_libraries(test_rdma_device PRIVATE jbp_rdma_model ${CMAKE_DL_LIBS} pthread)
target_compile_options(test_rdma_device PRIVATE ${JBYPASS_C_FLAGS})
add_dependencies(test_rdma_device jbp_fake_verbs)
foreach(case
    device_open_steer_transmit_close
    device_mac_change
    device_ipv6_steering
    device_queue_resets_name_current_state
    device_cq_error_recreates_queues
    device_lso_where_offered
    device_failures_explained)
  add_test(NAME rdma_${case} COMMAND test_rdma_device $<TARGET_FILE:jbp_fake_verbs> ${case})
endforeach()
