module.exports = (label, value) => `${label}: ${value}`;
