package org.jbypass.provider.it.apps;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/**
 * The JDK's HttpClient fetching a URL: {@code HttpClientFetch URL} prints "status S bytes N sha256 HEX".
 * Nothing jbypass-specific.
 */
public final class HttpClientFetch
{
    private HttpClientFetch()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();
        final HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(URI.create(args[0]))
            .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofInputStream());
        final MessageDigest sha = MessageDigest.getInstance("SHA-256");
        long total = 0;
        try (InputStream in = response.body())
        {
            final byte[] buffer = new byte[65536];
            int n;
            while ((n = in.read(buffer)) > 0)
            {
                sha.update(buffer, 0, n);
                total += n;
            }
        }
        System.out.println("status " + response.statusCode() + " bytes " + total + " sha256 "
            + HexFormat.of().formatHex(sha.digest()));
    }
}
