// A trivial HTTP server on 127.0.0.1 for the loopback row of the benchmark: it reads the
// request and responds with a short JSON body, so a round trip to it costs only the machine's
// process scheduling and loopback networking. Prints its port, then serves until killed.
import http from 'node:http';

const server = http.createServer((request, response) => {
  request.resume();
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json' });
    response.end('{"Item":{}}');
  });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`);
});
