"use client";
import { useEffect, useState } from "react";

type Theme = "system" | "light" | "dark";
const NEXT: Record<Theme, Theme> = { system: "light", light: "dark", dark: "system" };

/** Cycles system → light → dark; "system" follows prefers-color-scheme (see globals.css). */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>("system");
  useEffect(() => {
    const saved = localStorage.getItem("ws2s-theme");
    if (saved === "light" || saved === "dark") setTheme(saved);
  }, []);
  useEffect(() => {
    const el = document.documentElement;
    if (theme === "system") el.removeAttribute("data-theme");
    else el.setAttribute("data-theme", theme);
    if (theme === "system") localStorage.removeItem("ws2s-theme");
    else localStorage.setItem("ws2s-theme", theme);
  }, [theme]);
  return (
    <button type="button" className="btn ghost" onClick={() => setTheme(NEXT[theme])} aria-label={`Theme: ${theme}. Switch theme`}>
      Theme: {theme}
    </button>
  );
}
