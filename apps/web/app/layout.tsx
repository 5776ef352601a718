import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "uplot/dist/uPlot.min.css";
import "./globals.css";
import { Providers } from "../src/components/Providers";
import { ServerBanner } from "../src/components/ServerBanner";
import { ThemeToggle } from "../src/components/ThemeToggle";

export const metadata: Metadata = { title: "ws2s — weak-to-strong experiments" };

// Applies a saved theme before the first paint (no flash of the wrong theme).
const themeScript = `try{var t=localStorage.getItem("ws2s-theme");if(t==="light"||t==="dark")document.documentElement.setAttribute("data-theme",t)}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: themeScript }} />
      </head>
      <body>
        <a href="#main" className="skip">
          Skip to content
        </a>
        <header className="top">
          <Link href="/" className="brand">
            ws2s
          </Link>
          <nav aria-label="Main">
            <Link href="/">Experiments</Link>
            <Link href="/new">New experiment</Link>
            <Link href="/compare">Compare</Link>
          </nav>
          <ThemeToggle />
        </header>
        <Providers>
          <ServerBanner />
          <main id="main">{children}</main>
          <footer className="muted foot">
            Developer: <Link href="/bench/charts">chart benchmark</Link>
          </footer>
        </Providers>
      </body>
    </html>
  );
}
