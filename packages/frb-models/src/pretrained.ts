// Pretrained weight sets shipped with this package, pinned by SHA-256.
//
// The files live in packages/frb-models/weights/<model>-x<scale>-<name>/ (model.json + weights.bin) and are never
// imported: they are fetched on demand from URLs built with `new URL('../weights/...', import.meta.url)`, a pattern
// bundlers (Vite, webpack 5, esbuild with a loader) recognize and copy as assets. So users who never ask for weights
// download nothing extra, and the main entry stays browser-clean: `fetch` reads http(s) URLs; file: URLs (Node,
// tests, the CLI) are read with node:fs, loaded on demand (or by the reader `@frb/models/node` registers).
//
// The table between the PINNED markers is written by scripts/pin-weights.ts; edit it by re-pinning, not by hand.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

/** One file of a weight set with its pinned hash. */
export interface PinnedFile {
  /** File name inside the weight folder. */
  file: string;
  /** Lower-case hex SHA-256 of the file's bytes. */
  sha256: string;
  bytes: number;
}

/** A pretrained weight set of one registered model at one scale. */
export interface PretrainedWeights {
  /** Registry model name, e.g. 'frbc'. */
  model: string;
  /** Weight-set name, e.g. 'small-291' (what `createModel(model, { weights })` takes). */
  name: string;
  scale: number;
  /** Architecture options the weights were trained with; contradicting createModel options are errors. */
  architecture: { features: number; blocks: number; channels: number; [option: string]: number | boolean | string };
  /**
   * model.json (topology + weight manifest) and weights.bin of the training form (latent float32 weights), and, when
   * shipped, of the packed form `deployModel` makes from it (packed/model.json + packed/weights.bin: 1-bit sign words).
   */
  files: { modelJson: PinnedFile; weightsBin: PinnedFile; packed?: { modelJson: PinnedFile; weightsBin: PinnedFile } };
  /** URLs of the shipped files (literal `new URL(...)` so that bundlers pick them up). */
  urls: () => { modelJson: URL; weightsBin: URL; packedJson?: URL; packedBin?: URL };
  /** Where the weights come from. */
  provenance: {
    /** Iterations actually trained (the checkpoint or final model that was pinned). */
    iterations: number;
    /** Iterations the config asked for. */
    iterationsPlanned: number;
    /** Validation PSNR on Set5 (Y, shaved, uint8) logged by the run at `set5PsnrIter`; null when none was logged. */
    set5Psnr: number | null;
    set5PsnrIter: number | null;
    /** Training data, config summary and the commands that trained and pinned the weights. */
    data: string;
    config: string;
    trainCommand: string;
    pinCommand: string;
    /** Seconds of training wall time (summed over the run's sessions, from its log), when the pin recorded it. */
    trainSeconds?: number;
    /** Date the weights were pinned (ISO). */
    pinned: string;
    /** Free-text remarks (e.g. a run not trained to the end). */
    note?: string;
  };
}

// BEGIN PINNED (written by scripts/pin-weights.ts)
export const PRETRAINED: readonly PretrainedWeights[] = [
  {
    model: "frbc",
    name: "long-291",
    scale: 2,
    architecture: {
      features: 32,
      blocks: 8,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "be3cfbcab994af7a2ff893eca5ccdc353bcf902acefac50b8d1c9ff4d56761db",
        bytes: 29438
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "9885b4505c2b2509778641562f3404112c40996bb4af29a25025ac4037c78074",
        bytes: 790028
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "c241ac8b0eaaa1f3944dded18600adb23d5f0f54ae13d646c8efdc26fddcc47e",
          bytes: 16468
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "a7691cb2d794320089d495c9ada74c31b94d32bbb51b6e63083563ee057c9dde",
          bytes: 241164
        }
      }
    },
    provenance: {
      iterations: 20000,
      iterationsPlanned: 20000,
      set5Psnr: 37.19,
      set5PsnrIter: 20000,
      data: "T91 + BSD200 (290 images), LR by MATLAB bicubic",
      config: "frbc x2 {\"features\":32,\"blocks\":8}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 20000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npx frb train packages/frb-cli/configs/frbc-x2-long-291.yaml",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/frbc-x2-long-291/model long-291 2",
      trainSeconds: 6553,
      pinned: "2026-12-06"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-x2-long-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-x2-long-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-x2-long-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-x2-long-291/packed/weights.bin', import.meta.url),
    }),
  },
  {
    model: "frbc",
    name: "long-291",
    scale: 3,
    architecture: {
      features: 32,
      blocks: 8,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "84261a61c638b9a8fdc8ed15a21f2d5cf0fe5017163828160fc6f673a28e8934",
        bytes: 29438
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "e47f5027d7db379bfe56fb5f31d76bf23c454dc9f035c4ac9fec0809584f91de",
        bytes: 974988
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "fd0b6f93d0183e53cd919154d8dc0046384f28ae7acd812d3ab4401f20564041",
          bytes: 16468
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "9a3f14d1ddd3b0d2f88cc2242b68465302dcf3afacbb734d722fbf80649e7aac",
          bytes: 426124
        }
      }
    },
    provenance: {
      iterations: 20000,
      iterationsPlanned: 20000,
      set5Psnr: 33.37,
      set5PsnrIter: 20000,
      data: "T91 + BSD200 (290 images), LR by MATLAB bicubic",
      config: "frbc x3 {\"features\":32,\"blocks\":8}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 20000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npx frb train packages/frb-cli/configs/frbc-x3-long-291.yaml",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/frbc-x3-long-291/model long-291 3",
      trainSeconds: 4403,
      pinned: "2026-12-06"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-x3-long-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-x3-long-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-x3-long-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-x3-long-291/packed/weights.bin', import.meta.url),
    }),
  },
  {
    model: "frbc",
    name: "long-291",
    scale: 4,
    architecture: {
      features: 32,
      blocks: 8,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "79f79d4c2609b00de13315d2b28374d285e5dfb73a02068b2d4a1472c1b1330c",
        bytes: 30542
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "04ae8fda9f3b529eb7df9e520b8c41cdf25292512bf64af5a0e0ff0918d0b243",
        bytes: 937996
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "6fe9705e0077657b9117942592ad9b4cdb75f6f820347c5c7c76e5a6f7a04518",
          bytes: 17572
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "ac7bce0a6921a315d1b7f537b6c9e122049c4f1c691f9871d8c26b376326c514",
          bytes: 389132
        }
      }
    },
    provenance: {
      iterations: 20000,
      iterationsPlanned: 20000,
      set5Psnr: 31.092,
      set5PsnrIter: 20000,
      data: "T91 + BSD200 (289 images), LR by MATLAB bicubic",
      config: "frbc x4 {\"features\":32,\"blocks\":8}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 20000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npx frb train packages/frb-cli/configs/frbc-x4-long-291.yaml",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/frbc-x4-long-291/model long-291 4",
      trainSeconds: 5894,
      pinned: "2026-12-06"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-x4-long-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-x4-long-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-x4-long-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-x4-long-291/packed/weights.bin', import.meta.url),
    }),
  },
  {
    model: "frbc",
    name: "small-291",
    scale: 2,
    architecture: {
      features: 32,
      blocks: 4,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "c6f1a52397d24afac28f52002e36b699337f072a4f6d38e77d2b61a564dbcd60",
        bytes: 17118
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "01303e2b66b2a1e0a0da89fbc712c17794bb3391177daf1714f8c8f39949333f",
        bytes: 491020
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "7a2400bda5a4dabc84bed9a8e601ddd9603eb4aa67d34d4bc9f3122dc011ef31",
          bytes: 10638
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "f8eb9b108f0f63bbf86a1779a26e21710fbcc340d44aa20bf57ce66fc0f61f2e",
          bytes: 216588
        }
      }
    },
    provenance: {
      iterations: 2000,
      iterationsPlanned: 2000,
      set5Psnr: 36.532,
      set5PsnrIter: 2000,
      data: "T91 + BSD200 (290 images), LR by MATLAB bicubic",
      config: "frbc x2 {\"features\":32,\"blocks\":4}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 2000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npm run frb -- train packages/frb-cli/configs/frbc-x2-small-291.yaml",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/frbc-x2-small-291/model small-291 2",
      pinned: "2026-11-26"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-x2-small-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-x2-small-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-x2-small-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-x2-small-291/packed/weights.bin', import.meta.url),
    }),
  },
  {
    model: "frbc",
    name: "small-291",
    scale: 4,
    architecture: {
      features: 32,
      blocks: 4,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "b6c604a8368c7f02bde1c175f44109914cdc6d9905c5ec19f4f72082c3494a60",
        bytes: 18222
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "953ef75e3bd479bb653ee2479c0672355430e0b8649d33bac0d5c868b92a1b3c",
        bytes: 638988
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "f072f530cbd6eddae9d5b967d2f1d8dec34784420ecffc5796e26598b073c6f4",
          bytes: 11742
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "f811577359352725c9bf41ee5d854e2fa390f95d5b16e1a8f4142f2a342a3d3a",
          bytes: 364556
        }
      }
    },
    provenance: {
      iterations: 2000,
      iterationsPlanned: 2000,
      set5Psnr: 30.491,
      set5PsnrIter: 2000,
      data: "T91 + BSD200 (289 images), LR by MATLAB bicubic",
      config: "frbc x4 {\"features\":32,\"blocks\":4}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 2000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npm run frb -- train packages/frb-cli/configs/frbc-x4-small-291.yaml",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/frbc-x4-small-291/model small-291 4",
      pinned: "2026-11-26"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-x4-small-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-x4-small-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-x4-small-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-x4-small-291/packed/weights.bin', import.meta.url),
    }),
  },
  {
    model: "frbc-m",
    name: "long-291",
    scale: 4,
    architecture: {
      features: 32,
      blocks: 8,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "9660f89b4fb544d34f9da7f407660261fe2960f81012faceafe5d1d5b7922acc",
        bytes: 32747
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "8b2fd32e299db286d4a28173dfaf7125b3b153e31ecabb3fe3c55c3d25f9b1bf",
        bytes: 940684
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "716a35fc44f513d75fcb54858d201a19d7876ed45c34a8ec991a5348dc8ad390",
          bytes: 16180
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "1bd68ff168f12ebecda8c5c68f38c64c2b358b5f48285debe12466b421f55f9e",
          bytes: 83084
        }
      }
    },
    provenance: {
      iterations: 10000,
      iterationsPlanned: 10000,
      set5Psnr: 30.831,
      set5PsnrIter: 10000,
      data: "T91 + BSD200 (289 images), LR by MATLAB bicubic",
      config: "frbc-m x4 {\"features\":32,\"blocks\":8}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 10000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npx frb train packages/frb-cli/configs/frbc-m-x4-long-291.yaml",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/frbc-m-x4-long-291/model long-291 4",
      trainSeconds: 2390,
      pinned: "2026-12-06"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-m-x4-long-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-m-x4-long-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-m-x4-long-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-m-x4-long-291/packed/weights.bin', import.meta.url),
    }),
  },
  {
    model: "frbc-m",
    name: "medium-291",
    scale: 4,
    architecture: {
      features: 32,
      blocks: 8,
      channels: 3
    },
    files: {
      modelJson: {
        file: "model.json",
        sha256: "9660f89b4fb544d34f9da7f407660261fe2960f81012faceafe5d1d5b7922acc",
        bytes: 32747
      },
      weightsBin: {
        file: "weights.bin",
        sha256: "39b853b10233be5e68d4a5075585c2b3101ef024070b65fd451ab6247d800b44",
        bytes: 940684
      },
      packed: {
        modelJson: {
          file: "model.json",
          sha256: "716a35fc44f513d75fcb54858d201a19d7876ed45c34a8ec991a5348dc8ad390",
          bytes: 16180
        },
        weightsBin: {
          file: "weights.bin",
          sha256: "3805d98b1465342854d0b881dbf9ddca45b691fd470949bdc2a258688d3d649d",
          bytes: 83084
        }
      }
    },
    provenance: {
      iterations: 3000,
      iterationsPlanned: 3000,
      set5Psnr: 30.495,
      set5PsnrIter: 3000,
      data: "T91 + BSD200 (289 images), LR by MATLAB bicubic",
      config: "frbc-m x4 {\"features\":32,\"blocks\":8}; LR patch 24, batch 8, flips/transpose; Adam lr 0.0005 betas [0.9,0.99], cosine over 3000 to 0.000001; L1; seed 0; backend wasm",
      trainCommand: "npx frb reproduce --preset medium --methods frbc-m (its run frbc-m-s0)",
      pinCommand: "npx tsx --tsconfig tsconfig.json packages/frb-models/scripts/pin-weights.ts runs/reproduce-medium/x4/frbc-m-s0/model medium-291 4",
      trainSeconds: 1146,
      pinned: "2026-12-06"
    },
    urls: () => ({
      modelJson: new URL('../weights/frbc-m-x4-medium-291/model.json', import.meta.url),
      weightsBin: new URL('../weights/frbc-m-x4-medium-291/weights.bin', import.meta.url),
      packedJson: new URL('../weights/frbc-m-x4-medium-291/packed/model.json', import.meta.url),
      packedBin: new URL('../weights/frbc-m-x4-medium-291/packed/weights.bin', import.meta.url),
    }),
  },
];
// END PINNED

/** Reads a file: URL (or any URL the fetcher is given) into bytes. */
export type WeightsFetcher = (url: URL) => Promise<ArrayBuffer | Uint8Array>;

let fileReader: WeightsFetcher | undefined;

/**
 * Registers how file: URLs are read (Node has no fetch for them). `@frb/models/node` calls this with fs.readFile;
 * pass undefined to unregister. Returns the previous reader.
 */
export function setPretrainedFileReader(reader: WeightsFetcher | undefined): WeightsFetcher | undefined {
  const prev = fileReader;
  fileReader = reader;
  return prev;
}

/**
 * In Node, when no reader was registered (the user did not import '@frb/models/node'), read file: URLs with
 * node:fs anyway, so `createModel(..., { weights })` works from the main entry alone. The specifier is a variable
 * so browser bundlers never try to resolve a Node module; in a browser this returns undefined.
 */
async function nodeFileReader(): Promise<WeightsFetcher | undefined> {
  const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
  if (!proc?.versions?.node) return undefined;
  const spec = 'node:fs/promises';
  const fs = (await import(/* @vite-ignore */ spec)) as { readFile(u: URL): Promise<Uint8Array> };
  return async (url) => new Uint8Array(await fs.readFile(url));
}

/** Weight-set names available for `model` (all scales), sorted. */
export function pretrainedNames(model: string): string[] {
  return [...new Set(PRETRAINED.filter((p) => p.model === model).map((p) => p.name))].sort();
}

/** The pinned entry for (model, name, scale), or undefined. */
export function findPretrained(model: string, name: string, scale: number): PretrainedWeights | undefined {
  return PRETRAINED.find((p) => p.model === model && p.name === name && p.scale === scale);
}

/** Options of `loadPretrained` (and of `createModel` when `weights` is given). */
export interface PretrainedOptions {
  /** Weight-set name, e.g. 'small-291'. */
  weights: string;
  /** Scale (default 4, as createModel). */
  scale?: number;
  /** Architecture options: allowed only when equal to the weights' (they document intent, they cannot change it). */
  features?: number;
  blocks?: number;
  channels?: number;
  order?: number;
  alignment?: boolean | number;
  /**
   * A folder URL holding the set's model.json and weights.bin, e.g. where a web app hosts them; default: the files
   * shipped in this package. The pinned hashes are checked either way.
   */
  weightsUrl?: string | URL;
  /** Reads the files instead of `fetch` / the registered file reader (e.g. from a cache). */
  fetcher?: WeightsFetcher;
  /**
   * Load the set's packed (deployed) form: PackedConv2D / PackedBinaryUnit / PackedChain layers holding 1-bit sign words, the model
   * `deployModel` makes from the latent weights, shipped pre-made so nothing is packed at load time. Its files sit in
   * the folder's `packed/` subfolder (also under `weightsUrl`). Default false: the training form.
   */
  packed?: boolean;
  [option: string]: unknown;
}

const ALLOWED = ['weights', 'scale', 'features', 'blocks', 'channels', 'order', 'alignment', 'weightsUrl', 'fetcher', 'packed'];

/** Lower-case hex SHA-256 via WebCrypto (browsers in secure contexts, Node >= 20). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = (globalThis as { crypto?: { subtle?: SubtleCrypto } }).crypto?.subtle;
  if (!subtle) throw new Error('SHA-256 needs WebCrypto (crypto.subtle): a secure context (https) in browsers, Node >= 20');
  // Copy into a fresh ArrayBuffer: digest rejects views over SharedArrayBuffer, and Node Buffers share a pool.
  const digest = await subtle.digest('SHA-256', bytes.slice().buffer as ArrayBuffer);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function readBytes(url: URL, fetcher: WeightsFetcher | undefined, what: string): Promise<Uint8Array> {
  let data: ArrayBuffer | Uint8Array;
  try {
    if (fetcher) data = await fetcher(url);
    else if (url.protocol === 'file:') {
      const reader = fileReader ?? (await nodeFileReader());
      if (!reader) {
        throw new Error("file: URLs need a file reader: in Node, import '@frb/models/node' (it registers one) " +
          'or pass a fetcher');
      }
      data = await reader(url);
    } else {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      data = await res.arrayBuffer();
    }
  } catch (err) {
    throw new Error(`${what}: cannot read ${url.href}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return data instanceof Uint8Array ? data : new Uint8Array(data);
}

async function checkHash(bytes: Uint8Array, pin: PinnedFile, url: URL, what: string): Promise<void> {
  const got = await sha256Hex(bytes);
  if (got !== pin.sha256 || bytes.length !== pin.bytes) {
    throw new Error(
      `${what}: ${pin.file} at ${url.href} does not match the pinned file (SHA-256 ${got}, ${bytes.length} bytes; ` +
        `pinned ${pin.sha256}, ${pin.bytes} bytes): the file is corrupt or was replaced`,
    );
  }
}

/** Checks `opts` against the entry's architecture; names the option that contradicts the weights. */
function checkOptions(model: string, entry: PretrainedWeights, opts: PretrainedOptions): void {
  const what = `createModel '${model}' with weights '${opts.weights}'`;
  for (const k of Object.keys(opts)) {
    if (opts[k] === undefined) continue;
    if (!ALLOWED.includes(k)) {
      throw new Error(`${what}: option '${k}' cannot be combined with pretrained weights; allowed: ${ALLOWED.join(', ')}`);
    }
  }
  for (const k of ['features', 'blocks', 'channels', 'order', 'alignment'] as const) {
    const want = opts[k];
    if (want === undefined) continue;
    const have = entry.architecture[k];
    if (want !== have) {
      throw new Error(`${what} (x${entry.scale}): ${k} ${JSON.stringify(want)} contradicts the weights, trained with ${k} ${JSON.stringify(have)}`);
    }
  }
}

/** The pinned files and URLs of the form asked for (training or packed); names the set when it has no packed form. */
function pickForm(entry: PretrainedWeights, opts: PretrainedOptions): { files: { modelJson: PinnedFile; weightsBin: PinnedFile }; urls: { modelJson: URL; weightsBin: URL } } {
  if (opts.packed !== undefined && typeof opts.packed !== 'boolean') {
    throw new Error(`createModel '${entry.model}' with weights '${entry.name}': packed must be true or false, got ${JSON.stringify(opts.packed)}`);
  }
  if (!opts.packed) return { files: entry.files, urls: resolveUrls(entry, opts.weightsUrl, '') };
  const packed = entry.files.packed;
  if (!packed) {
    const withPacked = PRETRAINED.filter((p) => p.model === entry.model && p.files.packed).map((p) => `'${p.name}' x${p.scale}`);
    throw new Error(
      `createModel '${entry.model}' with weights '${entry.name}' (x${entry.scale}): this set ships no packed form; ` +
        `load it without packed and call deployModel()` + (withPacked.length ? `, or use a set that ships one: ${withPacked.join(', ')}` : ''),
    );
  }
  return { files: packed, urls: resolveUrls(entry, opts.weightsUrl, 'packed/') };
}

function resolveUrls(entry: PretrainedWeights, base: string | URL | undefined, sub: '' | 'packed/'): { modelJson: URL; weightsBin: URL } {
  if (base === undefined) {
    const u = entry.urls();
    if (sub === '') return { modelJson: u.modelJson, weightsBin: u.weightsBin };
    if (!u.packedJson || !u.packedBin) throw new Error(`pretrained '${entry.model}' x${entry.scale} '${entry.name}': the table pins a packed form but lists no URLs for it`);
    return { modelJson: u.packedJson, weightsBin: u.packedBin };
  }
  let dir: URL;
  try {
    dir = new URL(String(base));
  } catch {
    throw new Error(`weightsUrl must be an absolute URL of the folder holding model.json and weights.bin, got '${String(base)}'`);
  }
  if (!dir.pathname.endsWith('/')) dir = new URL(`${dir.href}/`);
  return { modelJson: new URL(`${sub}${entry.files.modelJson.file}`, dir), weightsBin: new URL(`${sub}${entry.files.weightsBin.file}`, dir) };
}

/**
 * Checks a weights request without reading anything: the set exists for (model, scale) and the options agree with
 * it. Throws (synchronously) an error listing what exists; returns the pinned entry.
 */
export function resolvePretrained(model: string, opts: PretrainedOptions): PretrainedWeights {
  const name = opts.weights;
  if (typeof name !== 'string' || name === '') throw new Error(`createModel '${model}': weights must be a weight-set name, got ${JSON.stringify(name)}`);
  const scale = opts.scale ?? 4;
  const names = pretrainedNames(model);
  if (!names.includes(name)) {
    throw new Error(
      `createModel '${model}': no pretrained weight set '${name}'` +
        (names.length ? `; available: ${names.join(', ')}` : '; none is published for this model'),
    );
  }
  const entry = findPretrained(model, name, scale);
  if (!entry) {
    const scales = PRETRAINED.filter((p) => p.model === model && p.name === name).map((p) => p.scale).sort();
    throw new Error(`createModel '${model}': weight set '${name}' has no x${scale} weights; scales available: ${scales.join(', ')}`);
  }
  checkOptions(model, entry, opts);
  pickForm(entry, opts);
  return entry;
}

/**
 * The pinned set of `model` at `scale` with the highest logged Set5 PSNR (the CLI's and the demo's default), or
 * undefined when none is pinned at that scale.
 */
export function bestPretrained(model: string, scale: number): PretrainedWeights | undefined {
  const sets = PRETRAINED.filter((p) => p.model === model && p.scale === scale);
  return sets.sort((a, b) => (b.provenance.set5Psnr ?? -Infinity) - (a.provenance.set5Psnr ?? -Infinity))[0];
}

/** Fetches the entry's two files, checks both SHA-256 hashes and builds the tfjs model from them. */
async function loadEntry(entry: PretrainedWeights, opts: PretrainedOptions): Promise<tfl.LayersModel> {
  const what = `pretrained '${entry.model}' x${entry.scale} '${entry.name}'${opts.packed ? ' (packed)' : ''}`;
  const { files, urls } = pickForm(entry, opts);
  const [jsonBytes, binBytes] = await Promise.all([
    readBytes(urls.modelJson, opts.fetcher, what),
    readBytes(urls.weightsBin, opts.fetcher, what),
  ]);
  await checkHash(jsonBytes, files.modelJson, urls.modelJson, what);
  await checkHash(binBytes, files.weightsBin, urls.weightsBin, what);
  const json = JSON.parse(new TextDecoder().decode(jsonBytes)) as tf.io.ModelJSON;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const weightData = binBytes.slice().buffer as ArrayBuffer;
  return tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs, weightData }), { strict: true });
}

/**
 * Loads the pinned weight set `opts.weights` of registry model `model` at `opts.scale` (default 4): fetches
 * model.json and weights.bin, checks both SHA-256 hashes, and builds the tfjs model from them. A request that cannot
 * be served (unknown set or scale, options contradicting the weights) throws synchronously, before any reading;
 * reading and hash failures reject the Promise, naming the file.
 */
export function loadPretrained(model: string, opts: PretrainedOptions): Promise<tfl.LayersModel> {
  const entry = resolvePretrained(model, opts);
  return loadEntry(entry, opts);
}
