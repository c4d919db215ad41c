package org.jbypass.provider.config;

/**
 * The names of the {@code tcp.*} keys, which set the stack's {@link org.jbypass.netstack.tcp.TcpConfig} (defaults and
 * ranges in docs/PROVIDER.md and the README's reference). Sizes take a plain number of bytes or a k, m or g suffix
 * (powers of 1024).
 */
public final class TcpSettings
{
    public static final String PREFIX = "tcp.";
    public static final String RECEIVE_BUFFER_MIN = "tcp.receive-buffer.min";
    public static final String RECEIVE_BUFFER_DEFAULT = "tcp.receive-buffer.default";
    public static final String RECEIVE_BUFFER_MAX = "tcp.receive-buffer.max";
    public static final String SEND_BUFFER_MIN = "tcp.send-buffer.min";
    public static final String SEND_BUFFER_DEFAULT = "tcp.send-buffer.default";
    public static final String SEND_BUFFER_MAX = "tcp.send-buffer.max";
    public static final String MEMORY_LIMIT = "tcp.memory.limit";
    public static final String MEMORY_PRESSURE = "tcp.memory.pressure";
    public static final String MEMORY_LOW = "tcp.memory.low";
    public static final String TIME_WAIT_LIMIT = "tcp.time-wait.limit";
    public static final String TIME_WAIT_REUSE = "tcp.time-wait.reuse";
    public static final String BACKLOG_MAX = "tcp.backlog.max";
    public static final String SYN_BACKLOG = "tcp.syn-backlog";
    public static final String SYN_COOKIES = "tcp.syn-cookies";

    private TcpSettings()
    {
    }
}
