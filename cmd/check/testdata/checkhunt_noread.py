# A receiver on Python's http.server speaking HTTP/1.1 (keep-alive) that
# refuses a request without a signature header before reading its body,
# as a handler that checks the headers first does. The unread body stays
# on the connection, and the server reads the next request from it.
# It accepts a signed one without verifying it (the checkhunt test asks
# only what the next request on the connection gets). Prints its port.
import http.server
import sys


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        if "webhook-signature" not in self.headers:
            self.send_response(401)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return  # the body is never read
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
