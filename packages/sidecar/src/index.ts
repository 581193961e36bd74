/**
 * The sidecar's programmatic surface: what the `br-schedule` command runs, for embedding and tests.
 */
export { type PreviewArgs, runPreview } from './preview-command.ts';
