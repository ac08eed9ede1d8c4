// This package is ESM-only; require() lands here (the "require" condition of its exports) to say what to do.
throw new Error(
  `${require('./package.json').name} is an ES module (ESM-only) and cannot be require()d. Use import, or from CommonJS: ` +
    `const m = await import('${require('./package.json').name}'). In TypeScript set "module": "nodenext" and add "type": "module" to your package.json.`,
);
