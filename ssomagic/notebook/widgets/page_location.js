// The page side of page_location.py: say which host the notebook page is served from.
function initialize({ model }) {
  model.set("host", window.location.hostname);
  model.save_changes();
}

export default { initialize };
