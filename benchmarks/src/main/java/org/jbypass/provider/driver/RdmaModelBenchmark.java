package org.jbypass.provider.driver;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

import org.jbypass.netstack.buffer.PacketPool;
import org.jbypass.netstack.core.Stack;
import org.jbypass.netstack.core.StackConfig;
import org.jbypass.netstack.link.PacketBurst;
import org.jbypass.netstack.testing.Frames;
import org.jbypass.netstack.udp.UdpSocket;
import org.jbypass.netstack.wire.Ipv4Address;
import org.jbypass.netstack.wire.MacAddress;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The rdma driver's Direct Verbs datapath over the mlx5 model: packets per second on one core.
 *
 * <p>Two ports of the model ({@code native/test/mlx5_model.c}, the test-only {@code libjbp_mlx5_model.so}) are
 * driven by the production natives of libjbypass.so through {@link RdmaLink}, exactly as the rdma tests drive
 * them ({@link ModelPort}); the model's "cable" moves what one port's send queue holds into the other's receive
 * queue. One thread does everything, in bursts of {@value #BURST} frames:
 * <ul>
 *   <li>{@link #link}: the driver alone. Frames written into pool buffers, {@code transmit} (send WQEs, one
 *       doorbell, completions of earlier bursts reaped and their buffers freed), the cable, {@code receive}
 *       (CQEs, compressed sessions when {@code compression} is on, receive WQEs refilled from the pool), the
 *       buffers freed as the stack would free them.</li>
 *   <li>{@link #stack}: two stacks on the two ports, UDP datagrams of 64 bytes from a socket of A to a socket of
 *       B: the whole datapath, sockets to sockets.</li>
 * </ul>
 * The model does in C what the adapter does in hardware (it copies each frame from the sender's buffer to the
 * receiver's, parses it for the checksum flags, writes CQEs), on the same core, so the figure is a lower bound of
 * what the datapath sustains on a ConnectX. Read {@code thrpt} as packets per second per core; {@code -prof gc}
 * must show {@code gc.alloc.rate.norm} of 0 B/op.
 *
 * <p>This class sits in the driver's package because a model port attaches through the driver's package-private
 * {@code RdmaLink.attach}, as in the tests: the model is a test fixture, never public API. The model's library is
 * packed into benchmarks.jar and extracted at setup unless {@code -Djbypass.test.mlx5model} names one.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RdmaModelBenchmark
{
    private static final int BURST = 32;
    private static final long MAC_A = MacAddress.parse("02:00:00:00:0a:01");
    private static final long MAC_B = MacAddress.parse("02:00:00:00:0b:02");
    private static final int IP_A = Ipv4Address.parse("198.18.0.1");
    private static final int IP_B = Ipv4Address.parse("198.18.0.2");
    private static final int PAYLOAD = 64;
    private static final int QUEUE_SIZE = 1024;

    /** The driver between two pools: frames in, frames out. */
    @State(Scope.Thread)
    public static class Ports
    {
        /** Whether the receiving port compresses its completions (mlx5 CQE compression; the driver's default). */
        @Param({"false", "true"})
        boolean compression;

        private final PacketPool poolA = new PacketPool(4096, 2048);
        private final PacketPool poolB = new PacketPool(4096, 2048);
        private final PacketBurst tx = new PacketBurst(BURST);
        private final PacketBurst rx = new PacketBurst(BURST);
        private ModelPort a;
        private ModelPort b;
        private byte[] frame;
        private long sent;
        private long received;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            loadModelLibrary();
            a = ModelPort.open(options("a", MAC_A), poolA, false, true);
            b = ModelPort.open(options("b", MAC_B), poolB, compression, true);
            frame = Frames.udpFrame(MAC_B, MAC_A, IP_A, IP_B, 5000, 7000, new byte[PAYLOAD]);
        }

        /** Moves one burst; returns the frames received. */
        int burst()
        {
            while (tx.count() < BURST)
            {
                final int buffer = poolA.allocate();
                if (buffer == PacketPool.NO_BUFFER)
                {
                    break;
                }
                poolA.memory().put(poolA.offset(buffer), frame);
                tx.add(buffer, frame.length, 0);
            }
            return move();
        }

        /** Transmits what the burst holds, lets the cable move it, receives and frees what arrived. */
        private int move()
        {
            sent += a.link.transmit(0, tx);
            ModelPort.wire(a, b);
            rx.arm(poolB);
            final int n = b.link.receive(0, rx);
            for (int i = 0; i < n; i++)
            {
                poolB.free(rx.buffer(i));
                rx.set(i, PacketPool.NO_BUFFER, 0, 0);
            }
            rx.count(0);
            received += n;
            return n;
        }

        /** Every frame sent in the iteration arrived; none was dropped, no queue failed. */
        @TearDown(Level.Iteration)
        public void verify()
        {
            for (int i = 0; i < 16 && received < sent; i++)
            {
                move();
            }
            checkPorts("frames", sent, received, a, b);
        }

        @TearDown(Level.Trial)
        public void close()
        {
            a.close();
            b.close();
            tx.releaseAll(poolA);
            rx.releaseAll(poolB);
        }
    }

    /** Two stacks on the two ports, a UDP socket on each. */
    @State(Scope.Thread)
    public static class Stacks
    {
        /** Whether B's port compresses its completions (mlx5 CQE compression; the driver's default). */
        @Param({"false", "true"})
        boolean compression;

        private long now = 1_000_000_000L;
        private Stack a;
        private Stack b;
        private ModelPort portA;
        private ModelPort portB;
        private UdpSocket sender;
        private UdpSocket receiver;
        private final ByteBuffer out = ByteBuffer.allocateDirect(PAYLOAD);
        private final ByteBuffer in = ByteBuffer.allocateDirect(2048);
        private long sent;
        private long received;

        @Setup(Level.Trial)
        public void open() throws IOException
        {
            loadModelLibrary();
            a = new Stack(StackConfig.builder().poolBuffers(8192).seed(1).build(), now);
            b = new Stack(StackConfig.builder().poolBuffers(8192).seed(2).build(), now);
            portA = ModelPort.open(options("a", MAC_A), a.pool(), false, true);
            portB = ModelPort.open(options("b", MAC_B), b.pool(), compression, true);
            a.addInterface("rdma0", portA.link, IP_A, 24, 0);
            b.addInterface("rdma0", portB.link, IP_B, 24, 0);
            sender = a.openUdp();
            receiver = b.openUdp();
            if (sender.bind(IP_A, 5000) != 0 || receiver.bind(IP_B, 6000) != 0 || sender.connect(IP_B, 6000) != 0)
            {
                throw new IllegalStateException("UDP sockets");
            }
            // The first datagram waits for ARP; once it is through, every one goes straight out.
            sent += sender.send(out.clear(), 0, 0) >= 0 ? 1 : 0;
            for (int i = 0; i < 1000 && received < sent; i++)
            {
                step();
                received += receiver.receive(in.clear()) > 0 ? 1 : 0;
            }
            if (received != 1)
            {
                throw new IllegalStateException("the first datagram never arrived: " + portA.link.describeCounters()
                    + "\n" + portB.link.describeCounters());
            }
        }

        /** One step of both hosts and the cable: A polls (and transmits), the cable moves, B polls. */
        private void step()
        {
            now += 1_000;
            a.poll(now);
            ModelPort.wire(portA, portB);
            b.poll(now);
        }

        /** Sends a burst of datagrams, steps, receives them; returns the datagrams received. */
        int burst()
        {
            for (int i = 0; i < BURST; i++)
            {
                out.clear();
                sender.send(out, 0, 0);
            }
            sent += BURST;
            step();
            int n = 0;
            while (receiver.receive(in.clear()) > 0)
            {
                n++;
            }
            received += n;
            return n;
        }

        /** Every datagram sent in the iteration arrived; none was dropped, no queue failed. */
        @TearDown(Level.Iteration)
        public void verify()
        {
            for (int i = 0; i < 16 && received < sent; i++)
            {
                step();
                while (receiver.receive(in.clear()) > 0)
                {
                    received++;
                }
            }
            if (receiver.drops() != 0)
            {
                throw new IllegalStateException("B's socket dropped " + receiver.drops() + " datagrams");
            }
            checkPorts("datagrams", sent, received, portA, portB);
        }

        @TearDown(Level.Trial)
        public void close()
        {
            a.close();
            b.close();
            portA.close();
            portB.close();
        }
    }

    /** The driver alone: a burst of frames from one port's pool to the other's; the figure is per frame. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int link(final Ports ports)
    {
        return ports.burst();
    }

    /** Two stacks: a burst of 64-byte datagrams from a socket of A to a socket of B; the figure is per datagram. */
    @Benchmark
    @OperationsPerInvocation(BURST)
    public int stack(final Stacks stacks)
    {
        return stacks.burst();
    }

    private static RdmaOptions options(final String name, final long mac)
    {
        return RdmaOptions.builder(name).hostIf("model0").mac(mac).rxQueueSize(QUEUE_SIZE).txQueueSize(QUEUE_SIZE)
            .build();
    }

    private static void checkPorts(final String what, final long sent, final long received, final ModelPort from,
        final ModelPort to)
    {
        final long dropped = to.stat(Mlx5ModelNative.RX_OUT_OF_BUFFER) + to.stat(Mlx5ModelNative.RX_NOT_STEERED);
        final long errors = from.link.counters().errors + to.link.counters().errors
            + from.stat(Mlx5ModelNative.DOORBELL_MISMATCH) + from.stat(Mlx5ModelNative.CQ_OVERRUNS)
            + to.stat(Mlx5ModelNative.CQ_OVERRUNS);
        if (received != sent || dropped != 0 || errors != 0)
        {
            throw new IllegalStateException("sent " + sent + " " + what + ", received " + received + "; the model "
                + "dropped " + dropped + "; errors " + errors + "\n" + from.link.describeCounters() + "\n"
                + to.link.describeCounters());
        }
    }

    /**
     * Points {@code -Djbypass.test.mlx5model} at the model's library, extracted from this jar, unless it names one
     * already; before {@link Mlx5ModelNative} loads it.
     */
    private static void loadModelLibrary() throws IOException
    {
        if (System.getProperty(Mlx5ModelNative.PROPERTY) != null)
        {
            return;
        }
        try (InputStream in = RdmaModelBenchmark.class.getResourceAsStream("libjbp_mlx5_model.so"))
        {
            if (in == null)
            {
                throw new IllegalStateException("libjbp_mlx5_model.so is not in benchmarks.jar: build it with "
                    + "mvn package, or name one with -D" + Mlx5ModelNative.PROPERTY);
            }
            final Path file = Files.createTempFile("jbp_mlx5_model", ".so");
            file.toFile().deleteOnExit();
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            System.setProperty(Mlx5ModelNative.PROPERTY, file.toString());
        }
    }
}
