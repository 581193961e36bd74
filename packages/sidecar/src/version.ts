/** This package's version, shown in documents and logs (a test keeps it equal to package.json's). */
export const SIDECAR_VERSION = '0.1.0';
