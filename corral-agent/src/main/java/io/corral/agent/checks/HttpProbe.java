package io.corral.agent.checks;

import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * An HTTP check: a GET to {@code <scheme>://127.0.0.1:<port><path>}; the result is the status code. As Mesos (which
 * runs {@code curl -k}), an https check does not verify the task's certificate: the task is on this machine and its
 * certificate names its public name, not 127.0.0.1. A connection that fails or times out is a check not performed.
 */
final class HttpProbe implements Probe {
    private static final SSLSocketFactory TRUST_ALL = trustAll();

    private final String url;

    HttpProbe(String scheme, int port, String path) {
        String s = scheme == null || scheme.isEmpty() ? "http" : scheme;
        String p = path == null ? "" : path.startsWith("/") || path.isEmpty() ? path : "/" + path;
        this.url = s + "://127.0.0.1:" + port + p;
    }

    @Override
    public ProbeResult run(Duration timeout) {
        HttpURLConnection connection = null;
        try {
            connection = (HttpURLConnection) new URL(url).openConnection();
            if (connection instanceof HttpsURLConnection https) {
                https.setSSLSocketFactory(TRUST_ALL);
                https.setHostnameVerifier((host, session) -> true);
            }
            int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
            connection.setConnectTimeout(millis);
            connection.setReadTimeout(millis);
            connection.setInstanceFollowRedirects(false);
            connection.setRequestProperty("User-Agent", "corral-agent-check");
            int status = connection.getResponseCode();
            try (InputStream body = status >= 400 ? connection.getErrorStream() : connection.getInputStream()) {
                if (body != null) {
                    body.readNBytes(64 * 1024); // lets the connection be reused; the body itself does not matter
                }
            }
            return ProbeResult.of(status);
        } catch (IOException | RuntimeException e) {
            return ProbeResult.failed("GET " + url + " failed: " + e.getMessage());
        } finally {
            if (connection != null) {
                connection.disconnect();
            }
        }
    }

    @Override
    public String describe() {
        return "HTTP check " + url;
    }

    private static SSLSocketFactory trustAll() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {new X509TrustManager() {
                @Override
                public void checkClientTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public void checkServerTrusted(X509Certificate[] chain, String authType) {}

                @Override
                public X509Certificate[] getAcceptedIssuers() {
                    return new X509Certificate[0];
                }
            }}, new SecureRandom());
            return context.getSocketFactory();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
