vcl 4.1;
# The tests' CDN: Varnish in front of the signing origin (scripts/origin-signer.py), which reads the S3 server.
# test-servers.sh replaces ORIGIN_PORT. PURGE drops one URL, BAN every URL under X-Ban-Prefix; X-Cache says whether
# a response came from the cache.

backend origin {
    .host = "127.0.0.1";
    .port = "ORIGIN_PORT";
}

acl purgers {
    "127.0.0.1";
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
        return (purge);
    }
    if (req.method == "BAN") {
        if (client.ip !~ purgers) { return (synth(405, "Not allowed")); }
        if (!req.http.X-Ban-Prefix) { return (synth(400, "X-Ban-Prefix missing")); }
        ban("req.url ~ ^" + req.http.X-Ban-Prefix);
        return (synth(200, "Banned"));
    }
    if (req.method != "GET" && req.method != "HEAD") { return (pass); }
    return (hash);
}

sub vcl_backend_response {
    # Keep whatever the origin allows (segments a year, manifests a minute); errors are not cached.
    if (beresp.status >= 400) {
        set beresp.ttl = 0s;
        set beresp.uncacheable = true;
    }
}

sub vcl_deliver {
    if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
}
