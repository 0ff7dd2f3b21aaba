// The page side of code_beacon.py. Values arrive as widget state: `html` was written (and
// escaped) by ssomagic/notebook/render.py, `title` and `code` are plain text. Nothing here is
// generated per sign-in.

const VISIBLE_CHECK_MS = 500;

function panelInView(code) {
  // A device code's panel is found by its code; a one-click sign-in's (no code) by its kind.
  const selector = code ? ".ssomagic-user-code" : ".ssomagic-browser-panel";
  for (const el of document.querySelectorAll(selector)) {
    if (el.closest(".ssomagic-code-beacon") || (code && el.textContent !== code)) continue;
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.bottom > 0 && box.top < window.innerHeight) return true;
  }
  return false;
}

function initialize({ model }) {
  const banner = document.createElement("div");
  banner.className = "ssomagic-code-beacon";
  banner.setAttribute("role", "status");
  Object.assign(banner.style, {
    position: "fixed", top: "48px", right: "16px", zIndex: "10000", maxWidth: "30em",
    background: "var(--jp-layout-color1, white)", boxShadow: "0 2px 12px rgba(0,0,0,.3)",
    borderRadius: "6px",
  });
  document.body.appendChild(banner);
  let shownTitle = "";

  function update() {
    banner.innerHTML = model.get("html");
  }
  function place() {
    banner.style.display = panelInView(model.get("code")) ? "none" : "";
    const title = model.get("title");
    if (title && !document.title.startsWith(title)) {
      document.title = `${title} · ${document.title}`;  // JupyterLab rewrites it on tab changes
    }
    shownTitle = title;
  }
  update();
  place();
  model.on("change:html", update);
  model.on("change:title", place);
  const timer = setInterval(place, VISIBLE_CHECK_MS);
  return () => {
    clearInterval(timer);
    model.off("change:html", update);
    model.off("change:title", place);
    banner.remove();
    if (shownTitle && document.title.startsWith(shownTitle)) {
      document.title = document.title.slice(shownTitle.length).replace(/^ · /, "");
    }
  };
}

function render() {
  // Nothing in the cell: the cell shows the panel itself.
}

export default { initialize, render };
