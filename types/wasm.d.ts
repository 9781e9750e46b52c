declare module '*.wasm' {
  /** The file's bytes (esbuild's binary loader; the same transform in vitest.config.ts). */
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
