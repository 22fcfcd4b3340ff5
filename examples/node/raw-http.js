// The floor under Node's hello-world: a raw-socket HTTP/1.1 responder on the net module, no http parser. It answers
// each request it sees (counted by the blank line that ends a request head without a body) with one fixed response;
// for keep-alive clients (wrk): it never closes a connection itself. Usage: node raw-http.js PORT.
const net = require('net');
const port = Number(process.argv[2] || 8080);
const response = 'HTTP/1.1 200 OK\r\nContent-Length: 12\r\nContent-Type: text/plain\r\n\r\nHello world\n';

net.createServer((socket) => {
  socket.setNoDelay(true);
  let tail = '';
  socket.on('data', (chunk) => {
    const text = tail + chunk.toString('latin1');
    const requests = text.split('\r\n\r\n').length - 1;
    const last = text.lastIndexOf('\r\n\r\n');
    tail = (last >= 0 ? text.slice(last + 4) : text).slice(-3); // a request head may arrive in pieces
    if (requests > 0) socket.write(response.repeat(requests));
  });
  socket.on('error', () => {});
}).listen(port, '127.0.0.1', () => console.log(`Started process ${process.pid}`));
