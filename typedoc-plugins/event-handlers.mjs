// @ts-check
/**
 * TypeDoc plugin: documents the property handlers (`onOpen`, `onStats` …) that the mapped type
 * `EventHandlers<M>` adds to a class through declaration merging
 * (`export interface Player extends EventHandlers<PlayerEvents> {}`).
 *
 * The mapped properties have no declaration of their own, hence no comment. For each class whose
 * merged interface extends `EventHandlers<X>`, this plugin reads the events of `X` and gives each
 * `on<Event>` property the comment of its event, prefixed by one line that says what the property
 * is, and puts the handlers in their own "Event handlers" group.
 *
 * It runs at the end of resolution, after inherited comments are copied (ImplementsPlugin, 0)
 * and before groups (−100) and links (−300) are resolved, so `@group` and `{@link}` in the
 * copied comments work.
 */
import { Comment, CommentTag, Converter, DeclarationReflection, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/** Same rule as `handlerName` in src/core/Emitter.ts. */
function handlerName(event) {
    return event === 'rtpProps' ? 'onRTPProps' : `on${event.charAt(0).toUpperCase()}${event.slice(1)}`;
}

/**
 * The events interfaces `X` of the `EventHandlers<X>` heritage clauses of the interfaces merged
 * with the class symbol.
 * @param {ts.Symbol} symbol
 * @param {ts.TypeChecker} checker
 * @returns {ts.Symbol[]}
 */
function eventMapsOf(symbol, checker) {
    const maps = [];
    for (const declaration of symbol.declarations ?? []) {
        if (!ts.isInterfaceDeclaration(declaration)) continue;
        for (const clause of declaration.heritageClauses ?? []) {
            for (const type of clause.types) {
                if (!ts.isIdentifier(type.expression) || type.expression.text !== 'EventHandlers') continue;
                const argument = type.typeArguments?.[0];
                const map = argument && checker.getTypeFromTypeNode(argument);
                const mapSymbol = map && (map.aliasSymbol ?? map.getSymbol());
                if (mapSymbol) maps.push(mapSymbol);
            }
        }
    }
    return maps;
}

/**
 * @param {string} event
 * @param {Comment | undefined} eventComment
 * @returns {Comment}
 */
function handlerComment(event, eventComment) {
    /** @type {import('typedoc').CommentDisplayPart[]} */
    const summary = [
        { kind: 'text', text: 'Property handler of the ' },
        { kind: 'code', text: `\`${event}\`` },
        { kind: 'text', text: ' event (one handler; see ' },
        { kind: 'code', text: `\`on('${event}')\`` },
        { kind: 'text', text: ' for subscriptions).' },
    ];
    const blockTags = [];
    if (eventComment) {
        const copy = eventComment.clone();
        if (copy.summary.length > 0) summary.push({ kind: 'text', text: '\n\n' }, ...copy.summary);
        blockTags.push(...copy.blockTags.filter((tag) => tag.tag !== '@group' && tag.tag !== '@category'));
    }
    const comment = new Comment(summary, blockTags);
    comment.blockTags.push(new CommentTag('@group', [{ kind: 'text', text: 'Event handlers' }]));
    return comment;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
    /**
     * Per class: its events interfaces and the checker that resolved them. Collected while the
     * class is converted: the converter's program is only active then, not at resolution.
     * @type {Map<DeclarationReflection, { maps: ts.Symbol[]; checker: ts.TypeChecker }>}
     */
    const pending = new Map();

    app.converter.on(Converter.EVENT_BEGIN, () => pending.clear());

    app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
        if (!reflection.kindOf(ReflectionKind.Class)) return;
        const symbol = context.getSymbolFromReflection(reflection);
        const maps = symbol ? eventMapsOf(symbol, context.checker) : [];
        if (maps.length > 0) pending.set(reflection, { maps, checker: context.checker });
    });

    app.converter.on(
        Converter.EVENT_RESOLVE_END,
        (context) => {
            for (const [cls, { maps, checker }] of pending) {
                for (const mapSymbol of maps) {
                    const mapReflection = context.getReflectionFromSymbol(mapSymbol);
                    for (const eventSymbol of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(mapSymbol))) {
                        const event = eventSymbol.name;
                        const handler = cls.getChildByName(handlerName(event));
                        if (!(handler instanceof DeclarationReflection) || handler.comment) continue;
                        handler.comment = handlerComment(
                            event,
                            eventComment(context, checker, mapReflection, eventSymbol),
                        );
                    }
                }
            }
            pending.clear();
        },
        -50,
    );
}

/**
 * The comment of `eventSymbol` in the events interface, or (for an inherited event whose comment
 * was not copied) in the interface that declares it.
 * @param {import('typedoc').Context} context
 * @param {ts.TypeChecker} checker
 * @param {import('typedoc').Reflection | undefined} mapReflection
 * @param {ts.Symbol} eventSymbol
 * @returns {Comment | undefined}
 */
function eventComment(context, checker, mapReflection, eventSymbol) {
    const own =
        mapReflection instanceof DeclarationReflection ? mapReflection.getChildByName(eventSymbol.name) : undefined;
    if (own?.comment) return own.comment;
    const declaring = eventSymbol.declarations?.[0]?.parent;
    const declaringSymbol =
        declaring && ts.isInterfaceDeclaration(declaring) ? checker.getSymbolAtLocation(declaring.name) : undefined;
    const declaringReflection = declaringSymbol && context.getReflectionFromSymbol(declaringSymbol);
    return declaringReflection instanceof DeclarationReflection
        ? declaringReflection.getChildByName(eventSymbol.name)?.comment
        : undefined;
}
