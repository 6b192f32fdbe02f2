import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
    { ignores: ['dist/**', 'docs/**', 'node_modules/**', 'test-results/**'] },
    js.configs.recommended,
    ...tseslint.configs.recommended,
    {
        files: ['**/*.{ts,mts,mjs,js}'],
        languageOptions: {
            globals: {
                console: 'readonly',
                process: 'readonly',
                setTimeout: 'readonly',
                clearTimeout: 'readonly',
                setInterval: 'readonly',
                clearInterval: 'readonly',
                queueMicrotask: 'readonly',
                URL: 'readonly',
                URLSearchParams: 'readonly',
                performance: 'readonly',
                globalThis: 'readonly',
                AbortController: 'readonly',
                document: 'readonly',
                window: 'readonly',
                navigator: 'readonly',
                fetch: 'readonly',
                Buffer: 'readonly',
                TextEncoder: 'readonly',
                TextDecoder: 'readonly',
                structuredClone: 'readonly',
                requestAnimationFrame: 'readonly',
                HTMLVideoElement: 'readonly',
                MediaStream: 'readonly',
            },
        },
        rules: {
            '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
        },
    },
    {
        files: ['src/**/*.ts'],
        rules: {
            '@typescript-eslint/no-explicit-any': 'error',
            'no-restricted-syntax': [
                'error',
                {
                    selector: "TSQualifiedName[left.name='NodeJS']",
                    message: 'No NodeJS.* types in src/ (browser code).',
                },
            ],
        },
    },
    {
        files: ['test/**/*.ts', 'e2e/**/*.{ts,mjs}', 'bench/**/*.{ts,mjs}', 'demo/**/*.{ts,mjs,js}'],
        rules: { '@typescript-eslint/no-explicit-any': 'off', '@typescript-eslint/no-non-null-assertion': 'off' },
    },
);
