/**
 * Search as you type for the header search box. The box is a plain GET form
 * to /search; with JavaScript this adds a list of matching documents under it
 * (a combobox: arrows to move, Enter to open, Escape to close).
 */
import { useLocation, useNavigate } from "@remix-run/react";
import { useCallback, useEffect, useRef, useState } from "react";
import { useT } from "~/i18n/use-t";
import "~/styles/search.css";

interface Suggestion {
  number: string;
  title: string;
  titleHtml: string;
  readable: boolean;
  url: string;
}

const LIST_ID = "header-suggest";

export function SearchSuggest({ inputId }: { inputId: string }) {
  const t = useT();
  const navigate = useNavigate();
  const [items, setItems] = useState<Suggestion[]>([]);
  const [query, setQuery] = useState("");
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const state = useRef({ items, active, open, query });
  state.current = { items, active, open, query };

  const total = items.length + (query.trim() ? 1 : 0); // the last option is "all results"
  const urlAt = useCallback((i: number) => {
    const { items: list, query: q } = state.current;
    return i < list.length ? list[i].url : `/search?q=${encodeURIComponent(q.trim())}`;
  }, []);

  const close = useCallback(() => {
    setOpen(false);
    setActive(-1);
  }, []);

  // A new page (a submitted search, a link) closes the list.
  const { key: locationKey } = useLocation();
  useEffect(() => close(), [locationKey, close]);

  useEffect(() => {
    const input = document.getElementById(inputId) as HTMLInputElement | null;
    if (!input) return;
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-controls", LIST_ID);
    input.setAttribute("aria-expanded", "false");
    let timer: ReturnType<typeof setTimeout> | undefined;
    let controller: AbortController | null = null;

    const load = (q: string) => {
      controller?.abort();
      if (!q.trim()) {
        setItems([]);
        setQuery("");
        close();
        return;
      }
      controller = new AbortController();
      fetch(`/api/search/suggest?q=${encodeURIComponent(q)}`, { signal: controller.signal, headers: { Accept: "application/json" } })
        .then((res) => (res.ok ? res.json() : null))
        .then((body: { suggestions?: Suggestion[] } | null) => {
          if (!body || input.value !== q) return;
          setItems(body.suggestions ?? []);
          setQuery(q);
          setActive(-1);
          setOpen(document.activeElement === input);
        })
        .catch(() => {
          /* aborted or offline: the plain form still works */
        });
    };
    const onInput = () => {
      clearTimeout(timer);
      const q = input.value;
      timer = setTimeout(() => load(q), 120);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      const s = state.current;
      const count = s.items.length + (s.query.trim() ? 1 : 0);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!count) return;
        event.preventDefault();
        setOpen(true);
        const step = event.key === "ArrowDown" ? 1 : -1;
        // -1 is the text box itself; moving past either end returns to it.
        setActive((i) => {
          const next = i + step;
          if (next < -1) return count - 1;
          return next >= count ? -1 : next;
        });
      } else if (event.key === "Enter" && s.open && s.active >= 0 && s.active < count) {
        event.preventDefault();
        const url = urlAt(s.active);
        close();
        navigate(url);
      } else if (event.key === "Enter") {
        // The form submits the typed words: drop the list and any answer still on its way,
        // or it would open over the results page.
        clearTimeout(timer);
        controller?.abort();
        close();
      } else if (event.key === "Escape" && s.open) {
        event.preventDefault();
        close();
      }
    };
    const onBlur = () => setTimeout(close, 150);
    const onFocus = () => {
      if (state.current.items.length && input.value === state.current.query) setOpen(true);
    };
    input.addEventListener("input", onInput);
    input.addEventListener("keydown", onKeyDown);
    input.addEventListener("blur", onBlur);
    input.addEventListener("focus", onFocus);
    return () => {
      clearTimeout(timer);
      controller?.abort();
      input.removeEventListener("input", onInput);
      input.removeEventListener("keydown", onKeyDown);
      input.removeEventListener("blur", onBlur);
      input.removeEventListener("focus", onFocus);
      for (const a of ["role", "aria-autocomplete", "aria-controls", "aria-expanded", "aria-activedescendant"]) input.removeAttribute(a);
    };
  }, [inputId, close, navigate, urlAt]);

  // Keep the input's ARIA state in step with the list.
  useEffect(() => {
    const input = document.getElementById(inputId);
    if (!input) return;
    input.setAttribute("aria-expanded", open && total > 0 ? "true" : "false");
    if (open && active >= 0) input.setAttribute("aria-activedescendant", `${LIST_ID}-${active}`);
    else input.removeAttribute("aria-activedescendant");
  }, [inputId, open, active, total]);

  const shown = open && total > 0;
  return (
    <>
      <ul id={LIST_ID} role="listbox" aria-label={t("search.suggest.label")} className="suggest-list" hidden={!shown}>
        {shown
          ? items.map((s, i) => (
              // Options are not links (a listbox holds no interactive children): the text box drives them.
              <li
                key={s.number}
                id={`${LIST_ID}-${i}`}
                role="option"
                aria-selected={i === active}
                className={i === active ? "is-active" : undefined}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => {
                  close();
                  navigate(s.url);
                }}
              >
                <span className="doc-number">{s.number}</span> <span dangerouslySetInnerHTML={{ __html: s.titleHtml }} />
                {s.readable ? null : <span className="suggest-locked">{t("search.suggest.locked")}</span>}
              </li>
            ))
          : null}
        {shown && query.trim() ? (
          <li
            id={`${LIST_ID}-${items.length}`}
            role="option"
            aria-selected={active === items.length}
            className={`suggest-all${active === items.length ? " is-active" : ""}`}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => {
              close();
              navigate(`/search?q=${encodeURIComponent(query.trim())}`);
            }}
          >
            {t("search.suggest.all", { q: query.trim() })}
          </li>
        ) : null}
      </ul>
      <span className="visually-hidden" role="status" aria-live="polite">
        {open && query.trim() ? (items.length ? t("search.suggest.count", { count: items.length }) : t("search.suggest.none")) : ""}
      </span>
    </>
  );
}
