package org.jbypass.samples;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An HTTP server on the JDK's {@code com.sun.net.httpserver}: plain Java.
 *
 * <ul>
 *   <li>{@code GET /} says hello;</li>
 *   <li>{@code GET /bytes?n=N&seed=S} sends N pseudo-random bytes (java.util.Random with seed S, default 1, drawn
 *       64 KiB at a time), so that a client can check a download byte for byte;</li>
 *   <li>{@code GET /bytes-sha256?n=N&seed=S} answers with the SHA-256 of what {@code /bytes} sends, in hex;</li>
 *   <li>{@code POST /sha256} answers with the SHA-256 of the request body, in hex.</li>
 * </ul>
 *
 * <pre>java org.jbypass.samples.HttpServerSample ADDRESS PORT</pre>
 */
public final class HttpServerSample
{
    private HttpServerSample()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        if (args.length != 2)
        {
            System.err.println("usage: HttpServerSample ADDRESS PORT");
            System.exit(2);
        }
        final HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName(args[0]),
            Integer.parseInt(args[1])), 64);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", HttpServerSample::hello);
        server.createContext("/bytes", HttpServerSample::bytes);
        server.createContext("/bytes-sha256", HttpServerSample::bytesSha256);
        server.createContext("/sha256", HttpServerSample::sha256);
        server.start();
        System.out.println("http server listening on " + server.getAddress());
        System.out.flush();
    }

    private static void hello(final HttpExchange exchange) throws IOException
    {
        final byte[] body = ("hello from " + exchange.getLocalAddress() + " to " + exchange.getRemoteAddress()
            + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    /** The query parameter's value as a number, or the default. */
    private static long parameter(final HttpExchange exchange, final String name, final long defaultValue)
    {
        final String query = exchange.getRequestURI().getQuery();
        if (query != null)
        {
            for (final String pair : query.split("&"))
            {
                final String[] kv = pair.split("=", 2);
                if (kv.length == 2 && kv[0].equals(name))
                {
                    return Long.parseLong(kv[1]);
                }
            }
        }
        return defaultValue;
    }

    /** The bytes of /bytes, to an output stream. */
    private static void writeBytes(final long n, final long seed, final OutputStream out) throws IOException
    {
        final Random random = new Random(seed);
        final byte[] chunk = new byte[65536];
        long left = n;
        while (left > 0)
        {
            random.nextBytes(chunk);
            final int len = (int)Math.min(chunk.length, left);
            out.write(chunk, 0, len);
            left -= len;
        }
    }

    private static void bytes(final HttpExchange exchange) throws IOException
    {
        final long n = parameter(exchange, "n", 0);
        exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
        exchange.sendResponseHeaders(200, n);
        try (OutputStream out = exchange.getResponseBody())
        {
            writeBytes(n, parameter(exchange, "seed", 1), out);
        }
    }

    private static void bytesSha256(final HttpExchange exchange) throws IOException
    {
        final MessageDigest sha = sha256();
        writeBytes(parameter(exchange, "n", 0), parameter(exchange, "seed", 1), new OutputStream()
        {
            @Override
            public void write(final int b)
            {
                sha.update((byte)b);
            }

            @Override
            public void write(final byte[] b, final int off, final int len)
            {
                sha.update(b, off, len);
            }
        });
        final byte[] body = (HexFormat.of().formatHex(sha.digest()) + "\n").getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    private static MessageDigest sha256() throws IOException
    {
        try
        {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (final NoSuchAlgorithmException e)
        {
            throw new IOException(e);
        }
    }

    private static void sha256(final HttpExchange exchange) throws IOException
    {
        final MessageDigest sha = sha256();
        long total = 0;
        try (InputStream in = exchange.getRequestBody())
        {
            final byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                sha.update(buffer, 0, n);
                total += n;
            }
        }
        final byte[] body = (HexFormat.of().formatHex(sha.digest()) + " " + total + "\n")
            .getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }
}
