import type { Browser } from 'playwright-core';
export interface StaticServer {
  url: string;
  close(): Promise<void>;
}
export declare function buildPages(outDir: string, entries: string[]): Promise<void>;
export declare function serve(dir: string, headers?: Record<string, string>): Promise<StaticServer>;
export declare const chromiumPath: string;
export declare function launchChromium(opts?: { webgpu?: boolean; extraArgs?: string[] }): Promise<Browser>;
export declare const firefoxPath: string;
export declare function launchFirefox(opts?: { display?: boolean }): Promise<import('puppeteer-core').Browser>;
export declare function startXvfb(): Promise<{ display: string; stop(): void }>;
export declare const miniBrowserPath: string;
export declare function launchWebKit(): Promise<{ driver: import('selenium-webdriver').WebDriver; close(): Promise<void> }>;
