# A webhook receiver for make.sh: one port answers 200, the other 500.
# Prints "OKPORT FAILPORT" once both listen; runs until killed.
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
    threading.Thread(target=s.serve_forever, daemon=True).start()
print(servers[0].server_address[1], servers[1].server_address[1], flush=True)
threading.Event().wait()
