// The decoder in the page: the same layers as vae/model/inference.py's DenseNetwork.decode_logits,
// with the same weights (vae/model/web_decoder.py writes them as one static file). Plain JavaScript
// on typed arrays: the largest bundled decoder is 1.2 million multiply-adds, about a
// millisecond or two, so no WebGL or library (TensorFlow.js is 1 MB of script to start).
//
// A file is fetched once per page (the browser's cache keeps it across reloads: its name is
// its content's hash) and shared by every map that shows the same model.

const LOADED = (window.__vaeDecoderFiles = window.__vaeDecoderFiles || {});  // url -> Promise<network>

// vae/model/inference.py's activations, written the same way (the same formulas, not other ones).
const ACTIVATIONS = {
  relu: (x) => (x > 0 ? x : 0),
  silu: (x) => x * (0.5 + 0.5 * Math.tanh(0.5 * x)),
  gelu: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * (x * x * x)))),
};
const PROBABILITY_EPSILON = 1e-6;  // vae/store/trained.py: probabilities kept off 0 and 1

export function loadDecoder(url) {
  if (!LOADED[url]) {
    LOADED[url] = fetch(url, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) { throw new Error("the decoder file answered " + response.status); }
        return response.arrayBuffer();
      })
      .then(readNetwork);
    LOADED[url].catch(() => { delete LOADED[url]; });  // a later map may try again
  }
  return LOADED[url];
}

let HALF = null;

function halfTable() {
  // Every float16 bit pattern as a float32: reading the weights is one look-up each.
  if (!HALF) {
    HALF = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) {
      const sign = h & 0x8000 ? -1 : 1, exponent = (h >> 10) & 0x1f, fraction = h & 0x3ff;
      HALF[h] = exponent === 0 ? sign * Math.pow(2, -14) * (fraction / 1024)
        : exponent === 31 ? (fraction ? NaN : sign * Infinity)
        : sign * Math.pow(2, exponent - 15) * (1 + fraction / 1024);
    }
  }
  return HALF;
}

export function readNetwork(buffer) {
  // b"VAED" | uint32 header length | JSON header | arrays (vae/model/web_decoder.py).
  const bytes = new Uint8Array(buffer), view = new DataView(buffer);
  if (String.fromCharCode(...bytes.subarray(0, 4)) !== "VAED") { throw new Error("not a decoder file"); }
  const length = view.getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  const half = header.dtype === "f16", size = half ? 2 : 4;
  let offset = 8 + length;
  const take = (count) => {
    const out = new Float32Array(count);
    if (half) {
      const table = halfTable();
      for (let i = 0; i < count; i++) { out[i] = table[view.getUint16(offset + 2 * i, true)]; }
    } else {
      for (let i = 0; i < count; i++) { out[i] = view.getFloat32(offset + 4 * i, true); }
    }
    offset += count * size;
    return out;
  };
  const layers = header.layers.map(([inputs, outputs]) => ({ inputs, outputs, kernel: take(inputs * outputs), bias: take(outputs) }));
  if (offset !== buffer.byteLength) { throw new Error("the decoder file's size does not match its header"); }
  return network(layers, ACTIVATIONS[header.activation], header.latent_dim);
}

function dense(layer, x, activation) {
  // x (inputs) @ kernel (inputs, outputs) + bias, row by row of the kernel: memory in order.
  const { inputs, outputs, kernel, bias } = layer, out = new Float64Array(outputs);
  out.set(bias);
  for (let i = 0; i < inputs; i++) {
    const xi = x[i];
    if (xi === 0) { continue; }
    const row = i * outputs;
    for (let j = 0; j < outputs; j++) { out[j] += xi * kernel[row + j]; }
  }
  if (activation) { for (let j = 0; j < outputs; j++) { out[j] = activation(out[j]); } }
  return out;
}

function network(layers, activation, latentDim) {
  const hidden = layers.slice(0, -1), output = layers[layers.length - 1];
  return {
    latentDim,
    decode(x, y) { return this.decodeZ([x, y]); },  // a 2-D model's point
    decodeZ(z) {
      // z (latentDim values) -> the decoder's hidden layers -> logits -> the sigmoid: 784 pixels (3 × 784 in colour) in [0, 1].
      if (z.length !== latentDim) { throw new Error(`this decoder takes ${latentDim} values, not ${z.length}`); }
      let h = Float64Array.from(z);
      for (const layer of hidden) { h = dense(layer, h, activation); }
      const logits = dense(output, h, null), pixels = new Float32Array(logits.length);
      for (let k = 0; k < logits.length; k++) {
        const p = 0.5 + 0.5 * Math.tanh(0.5 * logits[k]);  // the sigmoid, as vae/store/trained.py computes it
        pixels[k] = Math.min(1 - PROBABILITY_EPSILON, Math.max(PROBABILITY_EPSILON, p));
      }
      return pixels;
    },
  };
}

export function paintPixels(picture, pixels) {
  // Decoded pixels into a 28×28 ImageData: 784 grey values, white ink on black as the app's
  // pictures, or 2352 colour values, (row, column, channel) in order as NumPy's (28, 28, 3).
  const data = picture.data, colour = pixels.length === 3 * 784;
  for (let k = 0; k < 784; k++) {
    for (let c = 0; c < 3; c++) { data[4 * k + c] = Math.round(pixels[colour ? 3 * k + c : k] * 255); }
    data[4 * k + 3] = 255;
  }
}
