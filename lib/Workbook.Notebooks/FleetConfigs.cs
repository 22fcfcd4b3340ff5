namespace Workbook.Notebooks;

/// <summary>
/// Chapter 08 "on paper": the setup the notebook built with YARP (round-robin, a cookie for affinity, active and
/// passive health checks, a rolling replacement of instances), written for Kubernetes, nginx and HAProxy, with the
/// run's own backends filled in. Text only: nothing here is started.
/// </summary>
public static class FleetConfigs
{
    /// <summary>The instance as a Deployment of <paramref name="replicas"/> pods, with its probes and rolling update.</summary>
    public static string Kubernetes(int replicas) => $$"""
        # Kubernetes: the instance as a Deployment. The readiness probe is the proxy's active health check (GET /health
        # every 1 s, out of the Service's endpoints after 2 failures, nothing restarted); the liveness probe restarts a
        # container that is running but hung (a crashed one is restarted by the kubelet anyway, as our primary re-forks
        # a crashed worker). The rolling update is the loop above: one extra pod, none unavailable.
        apiVersion: apps/v1
        kind: Deployment
        metadata: { name: sessions }
        spec:
          replicas: {{replicas}}
          selector: { matchLabels: { app: sessions } }
          strategy: { type: RollingUpdate, rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }
          template:
            metadata: { labels: { app: sessions } }
            spec:
              terminationGracePeriodSeconds: 30
              containers:
              - name: sessions
                image: example/sessions:2
                args: ["--port", "8080", "--workers", "2", "--store", "redis", "--redis-url", "redis:6379"]
                readinessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 1, timeoutSeconds: 2, failureThreshold: 2 }
                livenessProbe: { httpGet: { path: /health, port: 8080 }, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 3 }
                lifecycle: { preStop: { sleep: { seconds: 5 } } }   # endpoint removal spreads asynchronously
        """;

    /// <summary>Open-source nginx in front of <paramref name="backends"/>: passive checks only, affinity by hashing the session cookie.</summary>
    public static string Nginx(IEnumerable<ProxyBackend> backends) => $$"""
        # nginx (open source): passive health checks only (max_fails / fail_timeout; active checks and "sticky cookie" are
        # NGINX Plus features). Affinity by a hash of the app's session cookie: a request without it (a login) goes
        # round-robin, and later ones go where the cookie hashes — fine here, the sessions are in the store. An error or a
        # timeout is retried on the next server (a POST only if it had not been sent yet). "keepalive" keeps a pool of idle
        # connections to the instances (as YARP does); without it nginx opens a new connection for every request.
        upstream sessions {
            hash $cookie_WorkbookSession consistent;
        {{string.Join("\n", backends.Select(b => $"    server {new Uri(b.Url).Authority} max_fails=1 fail_timeout=10s;"))}}
            keepalive 16;
        }
        server {
            listen 80;
            location / {
                proxy_pass http://sessions;
                proxy_http_version 1.1;
                proxy_set_header Connection "";
                proxy_next_upstream error timeout;
            }
        }
        """;

    /// <summary>HAProxy in front of <paramref name="backends"/>, as the YARP setup: round-robin, an inserted cookie, active and passive checks.</summary>
    public static string HAProxy(IEnumerable<ProxyBackend> backends) => $$"""
        # HAProxy: the YARP setup's counterparts — round-robin, an inserted affinity cookie, GET /health every second (2 s
        # timeout), out after two failures, back after one success; a passive check (observe layer4: three failed
        # connections in a row mark a server down until a health check passes again — YARP's counts the failed share of the
        # last second and keeps the instance out for 10 s); redispatch sends a client whose server is down elsewhere.
        backend sessions
            balance roundrobin
            cookie WorkbookProxyAffinity insert indirect nocache
            option httpchk GET /health
            timeout check 2s
            default-server inter 1s fall 2 rise 1 observe layer4 error-limit 3 on-error mark-down
            option redispatch
            retries 2
        {{string.Join("\n", backends.Select(b => $"    server {b.Name} {new Uri(b.Url).Authority} check cookie {b.Name}"))}}
        """;
}
