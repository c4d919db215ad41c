/**
 * Packet memory: {@link org.jbypass.netstack.buffer.PacketPool}, one page-aligned off-heap region cut into
 * fixed-size buffers that are named by their index.
 *
 * <h2>Contract</h2>
 * Every frame the stack receives or transmits lives in a pool buffer, and a buffer has exactly one owner at a time:
 * the pool, a link (armed in a receive burst, in a driver's ring, in flight), or the stack (being processed, waiting
 * for ARP, held for reassembly). Ownership moves with the index; freeing a buffer twice, or one never allocated,
 * throws at once, because an ownership bug must never be papered over, and {@code inUse()} lets every test assert
 * that nothing leaked. The region's address is handed to native code once, when a driver opens, and to a NIC as
 * one memory region; Java reads it with the {@code wire} flyweights' absolute accessors.
 *
 * <p>Single-threaded, like the stack that owns it. Allocating and freeing are O(1) and allocate nothing.
 *
 * <p>May use {@code wire} and {@code util}; {@code link} and everything above use it.
 */
package org.jbypass.netstack.buffer;
