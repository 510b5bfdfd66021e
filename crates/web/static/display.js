// The waiting-room screen's live updates: the server sends the changing part of the screen as
// server-sent events whenever it changes. Written for old TV browsers (no modules, no arrow functions).
// Without JavaScript, or without EventSource, the page reloads itself every few seconds instead.
(function () {
  'use strict';
  var root = document.getElementById('display-state');
  if (!root) return;
  var path = root.getAttribute('data-events');
  var fallback = null;

  function reloadLater() {
    if (fallback === null) fallback = window.setTimeout(function () { window.location.reload(); }, 15000);
  }

  if (!path || !window.EventSource) {
    reloadLater();
    return;
  }
  var source = new window.EventSource(path);
  source.addEventListener('state', function (e) {
    root.innerHTML = e.data;
  });
  // The screen's address no longer works (a new one was made): show what the server now says.
  source.addEventListener('gone', function () {
    source.close();
    window.location.reload();
  });
  source.onerror = function () {
    // The browser reconnects by itself; once it gives up, fall back to reloading.
    if (source.readyState === 2) reloadLater();
  };
})();
