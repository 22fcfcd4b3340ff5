// The notes' timer.js: keeps the event loop busy for a while, then says so.
// One change: the time comes from the command line (seconds; 10 as in the notes when none is given).
const seconds = Number(process.argv[2] ?? 10);
setTimeout(() => {
  console.log('timer runs');
}, seconds * 1000);
