// (f) a slow endpoint: answers every request 200 after 10 seconds.
import http from 'node:http';
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => { res.writeHead(200); res.end(); }, 10000));
});
server.listen(Number(process.argv[2]), '127.0.0.1');
