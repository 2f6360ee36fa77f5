# A webhook receiver for make.sh: one port answers 200, the other 500
# (and, given CERT KEY, a third answers 200 over TLS). Prints "OKPORT
# FAILPORT [TLSPORT]" once they listen; runs until killed.
import http.server, socketserver, sys, threading

def handler(status):
    class H(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            n = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(n)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            body = b'{"ok":true}' if status < 300 else b'{"error":"boom"}'
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        do_POST = do_PUT = do_PATCH = do_GET = _answer
        def log_message(self, *a):
            pass
    return H

servers = []
for st in (200, 500):
    s = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler(st))
    s.daemon_threads = True
    servers.append(s)
# With CERT KEY arguments, a third port answers 200 over TLS with that
# (self-signed) certificate: what trigger --insecure (-k) is for.
if len(sys.argv) == 3:
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[1], sys.argv[2])
    class TLSServer(socketserver.ThreadingTCPServer):
        def get_request(self):
            sock, addr = super().get_request()
            return ctx.wrap_socket(sock, server_side=True), addr
    s = TLSServer(("127.0.0.1", 0), handler(200))
    s.daemon_threads = True
    servers.append(s)
for s in servers:
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(*(s.server_address[1] for s in servers), flush=True)
threading.Event().wait()
