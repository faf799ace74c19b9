export declare const dctrefPath: string;
export declare function buildDctref(): string;
export declare function nativeBench(mode: 'full' | 'coef', files: string[], repeat?: number): { images: number; failures: number; ms_per_image: number; mean_ms_per_image: number };
