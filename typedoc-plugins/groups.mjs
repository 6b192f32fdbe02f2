// @ts-check
/**
 * TypeDoc plugin: puts every export of the reference in a sidebar group by where it is declared
 * (Facades, Element, Connectors, Events, Stats, Errors …), instead of ~80 items grouped by kind.
 * The table below is the one place that says which folder or file is which group, so a new
 * export is grouped without a tag; a `@group` written in a comment wins. A declaring file the
 * table does not know fails the build: decide its group here.
 */
import path from 'node:path';
import { CommentTag, Converter, ReflectionKind } from 'typedoc';

/** Checked in order, the first match wins: [path under src/ (a folder ends with /), group]. */
export const GROUPS = [
    ['facades/', 'Facades'],
    ['policy/stateTable.ts', 'Facades'],
    ['policy/backoff.ts', 'Facades'],
    ['element/', 'Element'],
    ['connectors/', 'Connectors'],
    ['metadata/', 'Metadata and timed data'],
    ['data/', 'Metadata and timed data'],
    ['core/types.ts', 'Connectors'],
    ['core/endpoint.ts', 'Connectors'],
    ['core/Emitter.ts', 'Events'],
    ['policy/QualityScore.ts', 'Stats'],
    ['stats/', 'Stats'],
    ['core/RtcError.ts', 'Errors'],
    ['policy/', 'Bitrate policies'],
    ['signaling/', 'Wire messages'],
    ['core/logger.ts', 'Logging'],
    ['adapter.ts', 'Adapter'],
];

/** The sidebar's order of the groups. */
export const GROUP_ORDER = [...new Set(GROUPS.map(([, group]) => group)), '*'];

/** Event maps go with the events, whatever folder declares them. */
const EVENT_MAP = /(Events|EventMap)$/;

/** @param {import('typedoc').Application} app */
export function load(app) {
    const src = path.resolve('src');
    /** @type {Map<import('typedoc').DeclarationReflection, string>} each top-level export and its declaring file under src/ */
    const declaredIn = new Map();

    app.converter.on(Converter.EVENT_BEGIN, () => declaredIn.clear());

    app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
        if (reflection.kindOf(ReflectionKind.Module)) return;
        if (!reflection.parent?.kindOf(ReflectionKind.Project | ReflectionKind.Module)) return;
        const file = context.getSymbolFromReflection(reflection)?.declarations?.[0]?.getSourceFile().fileName;
        if (file) declaredIn.set(reflection, path.relative(src, file).split(path.sep).join('/'));
    });

    // Before the group plugin (−100) sorts the children into groups.
    app.converter.on(
        Converter.EVENT_RESOLVE_END,
        () => {
            for (const [reflection, file] of declaredIn) {
                const comment = reflection.comment ?? reflection.signatures?.[0]?.comment;
                if (!comment || comment.blockTags.some((tag) => tag.tag === '@group')) continue;
                const group = EVENT_MAP.test(reflection.name)
                    ? 'Events'
                    : GROUPS.find(([where]) => (where.endsWith('/') ? file.startsWith(where) : file === where))?.[1];
                if (!group) {
                    app.logger.error(
                        `${reflection.name} (src/${file}): no sidebar group; add its file to GROUPS in typedoc-plugins/groups.mjs`,
                    );
                    continue;
                }
                comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: group }]));
            }
            declaredIn.clear();
        },
        -90,
    );
}
