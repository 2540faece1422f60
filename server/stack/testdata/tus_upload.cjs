// Uploads one file with the stock tus-js-client under Node, as a handheld
// app would: 1 MiB chunks, retries after a broken connection. Driven by
// server/stack/tus_test.go (environment: TUS_ENDPOINT, TUS_TOKEN,
// TUS_FILE, TUS_SHA256). Prints the upload's URL on success.
const fs = require("fs");
const tus = require("tus-js-client");

const file = fs.createReadStream(process.env.TUS_FILE);
const upload = new tus.Upload(file, {
  endpoint: process.env.TUS_ENDPOINT,
  headers: { Authorization: "Bearer " + process.env.TUS_TOKEN },
  metadata: { sha256: process.env.TUS_SHA256 },
  uploadSize: fs.statSync(process.env.TUS_FILE).size,
  chunkSize: 1 << 20,
  retryDelays: [0, 50, 100, 200, 400, 800, 1000, 1000, 1000, 1000],
  removeFingerprintOnSuccess: true,
  onError(err) {
    console.error("upload failed: " + err);
    process.exit(1);
  },
  onSuccess() {
    console.log(upload.url);
  },
});
upload.start();
