// @ts-check
/**
 * TypeDoc plugin: a public class whose base class is `@internal` (Player and Streamer extend
 * FacadeBase) is documented as extending the nearest public base instead (`Emitter<PlayerEvents>`),
 * and the members it inherits from the internal base are documented as its own: the reference
 * never names or links to a class it does not show. Members the public base declares (`on`,
 * `once`, `off` …) still say they are inherited from it.
 *
 * The public base is read from the TypeScript program while the class is converted (the only
 * time it is active); the class's heritage is rewritten before types are resolved, so the public
 * base lists the class among its subclasses, and the members' `inheritedFrom` after it.
 */
import { Converter, DeclarationReflection, ReferenceType, ReflectionFlag, ReflectionKind } from 'typedoc';
import ts from 'typescript';

/** @param {ts.Symbol | undefined} symbol */
function isInternal(symbol) {
    return (symbol?.declarations ?? []).some((declaration) =>
        ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === 'internal'),
    );
}

/** @param {import('typedoc').Application} app */
export function load(app) {
    /**
     * @type {Map<DeclarationReflection, { internal: Set<string>; base: import('typedoc').SomeType }>}
     * per class: the names of its internal bases, and its nearest public base as a TypeDoc type
     */
    const folded = new Map();

    app.converter.on(Converter.EVENT_BEGIN, () => folded.clear());

    app.converter.on(Converter.EVENT_CREATE_DECLARATION, (context, reflection) => {
        if (!reflection.kindOf(ReflectionKind.Class)) return;
        const symbol = context.getSymbolFromReflection(reflection);
        if (!symbol) return;
        const checker = context.checker;
        const internal = new Set();
        // Walking up the internal bases, each base's type parameters are bound to what the class
        // below passed (Player: FacadeBase<PlayerState, PlayerEvents, …>, whose base is Emitter<M>).
        /** @type {Map<ts.Type, ts.Type>} */
        const bound = new Map();
        const bind = (/** @type {ts.Type} */ type) => bound.get(type) ?? type;
        let base = checker.getBaseTypes(/** @type {ts.InterfaceType} */ (checker.getDeclaredTypeOfSymbol(symbol)))[0];
        let args = base ? checker.getTypeArguments(/** @type {ts.TypeReference} */ (base)).map(bind) : [];
        while (base && isInternal(base.getSymbol())) {
            internal.add(base.getSymbol()?.name);
            const target = /** @type {ts.TypeReference} */ (base).target ?? base;
            (target.typeParameters ?? []).forEach((parameter, i) => bound.set(parameter, args[i] ?? parameter));
            base = checker.getBaseTypes(/** @type {ts.InterfaceType} */ (target))[0];
            args = base ? checker.getTypeArguments(/** @type {ts.TypeReference} */ (base)).map(bind) : [];
        }
        if (internal.size === 0 || !base) return;
        const converted = context.converter.convertType(context, base);
        if (converted instanceof ReferenceType && converted.typeArguments) {
            converted.typeArguments = converted.typeArguments.map((argument, i) =>
                args[i] ? context.converter.convertType(context, args[i]) : argument,
            );
        }
        folded.set(reflection, { internal, base: converted });
    });

    /** @param {ReferenceType | undefined} from */
    const fromInternal = (from, internal) => !!from && internal.has(from.name.split('.')[0]);

    app.converter.on(Converter.EVENT_RESOLVE_BEGIN, () => {
        for (const [cls, { internal, base }] of folded) {
            const others = (cls.extendedTypes ?? []).filter(
                (type) => !(type instanceof ReferenceType && internal.has(type.name)),
            );
            cls.extendedTypes = [base, ...others];
        }
    });

    // After inherited comments are copied (ImplementsPlugin, 0), before the handlers plugin (−50).
    app.converter.on(
        Converter.EVENT_RESOLVE_END,
        (context) => {
            for (const [cls, { internal, base }] of folded) {
                const publicBase = base instanceof ReferenceType ? base.reflection : undefined;
                for (const member of cls.children ?? []) {
                    const own =
                        publicBase instanceof DeclarationReflection
                            ? publicBase.getChildByName(member.name)
                            : undefined;
                    /** @param {DeclarationReflection | import('typedoc').SignatureReflection} r @param {import('typedoc').Reflection | undefined} target */
                    const rebase = (r, target) => {
                        if (fromInternal(r.inheritedFrom, internal)) {
                            r.inheritedFrom = target
                                ? ReferenceType.createResolvedReference(
                                      `${publicBase?.name}.${member.name}`,
                                      target,
                                      context.project,
                                  )
                                : undefined;
                        }
                        if (fromInternal(r.overwrites, internal)) r.overwrites = undefined;
                    };
                    rebase(member, own);
                    const ownSignatures = own instanceof DeclarationReflection ? own.signatures : undefined;
                    member.signatures?.forEach((signature, i) => rebase(signature, ownSignatures?.[i] ?? own));
                    if (member.getSignature) rebase(member.getSignature, own?.getSignature ?? own);
                    if (member.setSignature) rebase(member.setSignature, own?.setSignature ?? own);
                    // A member the public base does not declare is the class's own, for the reader.
                    if (!own && member.flags.isInherited) member.setFlag(ReflectionFlag.Inherited, false);
                }
            }
            folded.clear();
        },
        -10,
    );
}
