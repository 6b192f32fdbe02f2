// @ts-check
/**
 * TypeDoc plugin: hides the `[event: string]: unknown[]` index signature that every events
 * interface (PlayerEvents, ConnectorEvents …) inherits from `EventMap`. It only lets the generic
 * emitter accept the map; on the reference it reads as if any event name existed. `EventMap`
 * itself keeps it: there it is the definition.
 */
import { Converter, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/** @param {import('typedoc').Application} app */
export function load(app) {
    /** @type {Set<import('typedoc').DeclarationReflection>} interfaces whose index signature is EventMap's */
    const inheriting = new Set();

    app.converter.on(Converter.EVENT_BEGIN, () => inheriting.clear());

    app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
        if (!reflection.kindOf(ReflectionKind.Interface)) return;
        const symbol = context.getSymbolFromReflection(reflection);
        if (!symbol) return;
        const infos = context.checker.getIndexInfosOfType(context.checker.getDeclaredTypeOfSymbol(symbol));
        const fromEventMap = infos.some((info) => {
            const alias = info.declaration?.parent?.parent;
            return !!alias && ts.isTypeAliasDeclaration(alias) && alias.name.text === 'EventMap';
        });
        if (fromEventMap) inheriting.add(reflection);
    });

    app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
        for (const reflection of inheriting) {
            for (const signature of reflection.indexSignatures ?? []) context.project.removeReflection(signature);
            reflection.indexSignatures = undefined;
        }
        inheriting.clear();
    });
}
