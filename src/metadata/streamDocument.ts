import { readJsonObject } from '../core/json';
import { Metadata, type MetadataLimits } from './Metadata';
import { streamStateOf, type StreamState } from './streamState';

/**
 * Longest metadata document read, in UTF-16 code units (1 MiB): a stream of 256 tracks fits in
 * a tenth of it; a larger text is refused before it is parsed.
 */
export const MAX_METADATA_LENGTH = 2 ** 20;

/** What one document says: the stream's tracks, or why there are none. */
export type StreamDocument =
    | {
          /** The stream is live (or on demand): its tracks follow. */
          state: 'online';
          /** The stream's description. */
          metadata: Metadata;
      }
    | {
          /** What the stream is doing instead. */
          state: Exclude<StreamState, 'online'>;
          /** The server's text (`"Stream is offline"` …). */
          reason: string;
      };

/**
 * Reads one metadata document (the text of `json_<stream>.js`, or one WebSocket frame of it), or
 * says why it is none: a binary or oversized frame (over {@link MAX_METADATA_LENGTH}), bad JSON,
 * not an object. A document with an `error` text is a state (see {@link streamStateOf}); any
 * other object is `online`, its tracks read by {@link Metadata.from} within `limits`. Never throws.
 */
export function readStreamDocument(text: unknown, limits?: MetadataLimits): StreamDocument | string {
    const document = readJsonObject(text, MAX_METADATA_LENGTH);
    if (document === 'frame too large') return `document over ${MAX_METADATA_LENGTH} characters`;
    if (typeof document === 'string') return document;
    const error = document.error;
    if (typeof error === 'string') return { state: streamStateOf(error), reason: error.slice(0, 200) };
    return { state: 'online', metadata: Metadata.from(document, limits) };
}
