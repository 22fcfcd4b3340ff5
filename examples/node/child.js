// The notes' child.js, unchanged: prints what its parent sends, and sends a counter every second.
process.on('message', (msg) => {
  console.log('Message from parent:', msg);
});

let counter = 0;

setInterval(() => {
  process.send({ counter: counter++ });
}, 1000);
