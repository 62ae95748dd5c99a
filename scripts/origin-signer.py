#!/usr/bin/env python3
"""The CDN's origin for the tests: forwards GET and HEAD to the S3 server, signed with SigV4 by botocore (the way
CloudFront's origin access control signs requests to a private bucket), so Varnish can sit in front of a moto that
enforces signatures and refuses anonymous reads.

Usage: origin-signer.py UPSTREAM_URL PORT  -- AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION from the
environment; serves on 127.0.0.1:PORT until killed.
"""
import http.client
import os
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

upstream = urllib.parse.urlsplit(sys.argv[1])
port = int(sys.argv[2])
credentials = Credentials(os.environ["AWS_ACCESS_KEY_ID"], os.environ["AWS_SECRET_ACCESS_KEY"])
region = os.environ.get("AWS_DEFAULT_REGION", "us-east-1")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        url = f"{upstream.scheme}://{upstream.netloc}{self.path}"
        request = AWSRequest(method=self.command, url=url, headers={"x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
        SigV4Auth(credentials, "s3", region).add_auth(request)
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
        connection.request(self.command, self.path, headers=dict(request.headers.items()))
        response = connection.getresponse()
        data = response.read()
        self.send_response(response.status)
        for name, value in response.getheaders():
            if name.lower() not in ("connection", "keep-alive", "transfer-encoding", "content-length"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = forward
    do_HEAD = forward


ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
