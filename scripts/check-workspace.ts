// Checks what knip cannot see in this repository: (1) `@frb/*` imports against the manifests (tsconfig paths make
// them look like local files to knip), (2) the package layering of docs/architecture.md, (3) each package's
// `sideEffects` against the top-level statements of its sources, (4) tsconfig.json's `paths` against the packages'
// `exports`. Run: npx tsx scripts/check-workspace.ts (npm test runs it after knip).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { listWorkspaces, packageEntries, type Workspace } from './workspace.ts';

export interface Problem {
  /** The file the problem is in, relative to the repository root. */
  file: string;
  message: string;
}

/** Every .ts file under `dir`, skipping dependencies and build output. */
function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name === 'node_modules' || d.name === 'dist' || d.name.startsWith('.')) continue;
    const p = path.join(dir, d.name);
    if (d.isDirectory()) out.push(...tsFiles(p));
    else if (d.name.endsWith('.ts') && !d.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
}

/** Module specifiers a file imports: static, re-exports, `import('x')` and `typeof import('x')`. */
export function importsOf(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push(n.moduleSpecifier.text);
    } else if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) {
      out.push(n.arguments[0].text);
    } else if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) {
      out.push(n.argument.literal.text);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/**
 * Top-level statements that run something when the module is imported: calls and assignments, control flow, and
 * imports kept only for their effect (`import './x.js'`). Declarations (even `const x = f()`) do not count: no
 * package here registers anything from an initializer.
 */
export function sideEffectLines(sf: ts.SourceFile): number[] {
  const lines: number[] = [];
  for (const s of sf.statements) {
    const effect =
      (ts.isExpressionStatement(s) && !ts.isStringLiteral(s.expression)) ||
      (ts.isImportDeclaration(s) && !s.importClause) ||
      ts.isIfStatement(s) || ts.isIterationStatement(s, false) || ts.isTryStatement(s) || ts.isBlock(s) ||
      ts.isSwitchStatement(s) || ts.isThrowStatement(s) || ts.isLabeledStatement(s);
    if (effect) lines.push(sf.getLineAndCharacterOfPosition(s.getStart(sf)).line + 1);
  }
  return lines;
}

/** The package order of the first code block in docs/architecture.md: a package may import only those above it. */
export function layerOrder(root: string): string[] {
  const file = path.join(root, 'docs', 'architecture.md');
  const block = /```\n([\s\S]*?)```/.exec(readFileSync(file, 'utf8'));
  const names = (block?.[1] ?? '').split('\n').map((l) => /^(@[\w-]+\/[\w-]+)\s/.exec(l)?.[1]).filter((n): n is string => !!n);
  if (names.length === 0) throw new Error(`check-workspace: ${file}: no package list in its first code block`);
  return names;
}

const packageOf = (spec: string) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

function checkImports(root: string, ws: Workspace, all: Set<string>, order: string[], problems: Problem[]): void {
  const m = ws.manifest;
  const rel = (f: string) => path.relative(root, f).split(path.sep).join('/');
  const pkgJson = `${ws.rel}/package.json`;
  const runtime = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})]);
  const dev = new Set(Object.keys(m.devDependencies ?? {}));
  const rank = order.indexOf(m.name);
  if (rank < 0) problems.push({ file: 'docs/architecture.md', message: `${m.name} (${pkgJson}) is missing from the package list` });
  const usedBySrc = new Set<string>();
  const usedByAny = new Set<string>();
  for (const file of tsFiles(ws.dir)) {
    const inSrc = rel(file).startsWith(`${ws.rel}/src/`);
    for (const spec of importsOf(parse(file))) {
      const dep = packageOf(spec);
      if (!all.has(dep) || dep === m.name) continue;
      usedByAny.add(dep);
      if (inSrc) usedBySrc.add(dep);
      if (inSrc && !runtime.has(dep)) {
        problems.push({ file: rel(file), message: `imports '${spec}', which ${pkgJson} does not list in dependencies${dev.has(dep) ? ' (only in devDependencies)' : ''}` });
      } else if (!inSrc && !runtime.has(dep) && !dev.has(dep)) {
        problems.push({ file: rel(file), message: `imports '${spec}', which ${pkgJson} does not list (devDependencies for tests and scripts)` });
      }
      const depRank = order.indexOf(dep);
      if (inSrc && rank >= 0 && depRank >= rank) {
        problems.push({ file: rel(file), message: `imports '${spec}' upward: ${dep} is listed after ${m.name} in docs/architecture.md` });
      }
    }
  }
  for (const dep of Object.keys(m.dependencies ?? {}).filter((d) => all.has(d) && !usedBySrc.has(d))) {
    problems.push({
      file: pkgJson,
      message: usedByAny.has(dep) ? `dependency '${dep}' is used only outside src/: move it to devDependencies` : `dependency '${dep}' is never imported`,
    });
  }
  for (const dep of [...dev].filter((d) => all.has(d) && !usedByAny.has(d))) {
    problems.push({ file: pkgJson, message: `devDependency '${dep}' is never imported` });
  }
}

/** Relative imports and re-exports that survive compilation (not `import type` / `export type`), as .ts paths. */
function runtimeRelativeImports(sf: ts.SourceFile): string[] {
  const out: string[] = [];
  for (const s of sf.statements) {
    if (!(ts.isImportDeclaration(s) || ts.isExportDeclaration(s)) || !s.moduleSpecifier || !ts.isStringLiteral(s.moduleSpecifier)) continue;
    if (ts.isImportDeclaration(s) ? s.importClause?.isTypeOnly : s.isTypeOnly) continue;
    const spec = s.moduleSpecifier.text;
    if (spec.startsWith('.')) out.push(path.resolve(path.dirname(sf.fileName), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

/**
 * The files whose import runs code, against the manifest's `sideEffects` (as built: './dist/p.js'): those with
 * effects of their own, and those that import one (a barrel re-exporting a registering layer), because a bundler
 * (rolldown, as the demo's Vite uses) skips the re-exports of a side-effect-free barrel whose exports go unused.
 */
function checkSideEffects(root: string, ws: Workspace, problems: Problem[]): void {
  const pkgJson = `${ws.rel}/package.json`;
  const src = path.join(ws.dir, 'src');
  const files = tsFiles(src);
  const effectful = new Set<string>();
  const deps = new Map<string, string[]>();
  for (const file of files) {
    const sf = parse(file);
    if (sideEffectLines(sf).length > 0) effectful.add(file);
    deps.set(file, runtimeRelativeImports(sf));
  }
  // Importers of effectful files are effectful; repeat until nothing changes (import cycles included).
  for (let grew = true; grew; ) {
    grew = false;
    for (const [f, ds] of deps) {
      if (effectful.has(f) || !ds.some((d) => effectful.has(d))) continue;
      effectful.add(f);
      grew = true;
    }
  }
  const want = files
    .filter((f) => effectful.has(f))
    .map((f) => `./dist/${path.relative(src, f).split(path.sep).join('/').replace(/\.ts$/, '.js')}`);
  const have = ws.manifest.sideEffects;
  if (have === undefined || have === true) {
    problems.push({ file: pkgJson, message: `sideEffects is ${String(have)}; it must be ${want.length ? JSON.stringify(want) : 'false'}` });
  } else if (have === false) {
    if (want.length) problems.push({ file: pkgJson, message: `sideEffects is false, but these files run code on import: ${want.join(', ')}` });
  } else {
    const missing = want.filter((f) => !have.includes(f));
    const extra = have.filter((f) => !want.includes(f));
    if (missing.length) problems.push({ file: pkgJson, message: `sideEffects leaves out files that run code on import: ${missing.join(', ')}` });
    if (extra.length) problems.push({ file: pkgJson, message: `sideEffects lists files that run nothing on import (or do not exist): ${extra.join(', ')}` });
    if (!want.length && !extra.length) problems.push({ file: pkgJson, message: 'sideEffects is an empty list; write false' });
  }
}

/** tsconfig.json's `paths` must be exactly the entries the packages export, each to its source. */
function checkPaths(root: string, workspaces: Workspace[], problems: Problem[]): void {
  const file = path.join(root, 'tsconfig.json');
  const cfg = ts.readConfigFile(file, ts.sys.readFile);
  if (cfg.error) throw new Error(`check-workspace: ${file}: ${ts.flattenDiagnosticMessageText(cfg.error.messageText, '\n')}`);
  const paths: Record<string, string[]> = cfg.config.compilerOptions?.paths ?? {};
  const want = new Map(workspaces.flatMap((ws) => packageEntries(ws)).map((e) => [e.specifier, path.relative(root, e.source).split(path.sep).join('/')]));
  for (const [spec, src] of want) {
    const got = paths[spec];
    if (!got) problems.push({ file: 'tsconfig.json', message: `paths lacks '${spec}' (exported by its package): add ["${src}"]` });
    else if (got.length !== 1 || got[0] !== src) problems.push({ file: 'tsconfig.json', message: `paths['${spec}'] is ${JSON.stringify(got)}, the package exports ["${src}"]` });
  }
  for (const spec of Object.keys(paths).filter((s) => !want.has(s))) {
    problems.push({ file: 'tsconfig.json', message: `paths['${spec}'] is not an entry any package exports` });
  }
}

export function checkWorkspace(root: string): Problem[] {
  const workspaces = listWorkspaces(root);
  const all = new Set(workspaces.map((ws) => ws.manifest.name));
  const order = layerOrder(root);
  const problems: Problem[] = [];
  for (const ws of workspaces) {
    checkImports(root, ws, all, order, problems);
    if (!ws.manifest.private) checkSideEffects(root, ws, problems);
  }
  checkPaths(root, workspaces, problems);
  return problems;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const problems = checkWorkspace(root);
  if (problems.length) {
    for (const p of problems) console.error(`${p.file}: ${p.message}`);
    console.error(`check-workspace: ${problems.length} problem(s)`);
    process.exitCode = 1;
  } else {
    console.log('check-workspace: @frb imports, layering, sideEffects and tsconfig paths agree with the manifests');
  }
}
