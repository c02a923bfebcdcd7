/*
 * pipescope embedding API: puts the pipescope page in an <iframe> inside any element of a
 * portal and drives it through the page's postMessage protocol (README, "Embedding in a
 * portal"). A plain script, no build step, no dependencies:
 *
 *   <script src="https://pipescope.example.com/tools/pipescope/public/embed.js"></script>
 *   const ps = PipeScope.mount(document.querySelector('#ps'), { workspace: 'monitor' });
 *   ps.on('incident', (m) => console.log(m.change, m.incident.uid, m.incident.severity));
 *   await ps.loadFile(file, { workspace: 'monitor' });
 *
 * The pipescope page obeys only the origins its deployer lists in its index.html
 * (<meta name="pipescope-embed-origins">); this script only believes messages that come
 * from the frame it made and from the page's origin.
 */
(function (global) {
  'use strict';

  var PROTOCOL = 1;
  // Where this script was loaded from: the page is one directory up (dist/public/embed.js).
  var SCRIPT = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || '';
  var DEFAULT_SRC = SCRIPT ? new URL('../', SCRIPT).href : '';
  var EVENTS = ['ready', 'status', 'workspace', 'incident', 'problem', 'error'];

  function PipeScopeError(code, message, id) {
    var e = new Error(message);
    e.name = 'PipeScopeError';
    e.code = code;
    if (id !== undefined) e.id = id;
    return e;
  }

  /**
   * Mounts pipescope into `element` (an Element or a selector) and returns its handle.
   * options: src (the page's URL, default: beside this script), workspace, file
   * (File/Blob or {name, data, workspace}), source ({prom, query, step, history, from, to} or {feed, kind, poll}),
   * hash (an initial view such as 'monitor?prom=%2Fprom&query=up', instead of workspace),
   * title, height, readyTimeout (ms, default 30000).
   */
  function mount(element, options) {
    options = options || {};
    var host = typeof element === 'string' ? document.querySelector(element) : element;
    if (!host || typeof host.appendChild !== 'function') {
      throw PipeScopeError('mount', 'PipeScope.mount: no element to mount into (' + String(element) + ')');
    }
    var src = new URL(options.src || DEFAULT_SRC, document.baseURI);
    if (!/^https?:$/.test(src.protocol)) {
      throw PipeScopeError('mount', 'PipeScope.mount: src must be an http(s) URL, not ' + src.href);
    }
    var origin = src.origin;
    var view = options.hash ? String(options.hash).replace(/^#?\/?/, '') : (options.workspace || '');
    src.hash = view ? '#/' + view : '';

    var frame = document.createElement('iframe');
    frame.src = src.href;
    frame.title = options.title || 'pipescope';
    frame.setAttribute('data-pipescope', '');
    frame.style.cssText = 'display:block;width:100%;border:0;height:' + (options.height || '100%');

    var handlers = {};
    EVENTS.forEach(function (t) { handlers[t] = []; });
    var pending = {}; // id -> {resolve, reject}
    var queue = []; // messages waiting for 'ready'
    var nextId = 1;
    var isReady = false;
    var destroyed = false;
    var failure = null; // the error that ended the session (the page refused this portal)
    var hello = null;
    var deadline = null;
    var settleReady;
    var ready = new Promise(function (resolve, reject) { settleReady = { resolve: resolve, reject: reject }; });
    ready.catch(function () { /* reported through on('error') too */ });

    function emit(type, msg) {
      (handlers[type] || []).slice().forEach(function (fn) {
        try { fn(msg); } catch (e) { setTimeout(function () { throw e; }); }
      });
    }

    function post(msg) {
      if (frame.contentWindow) frame.contentWindow.postMessage(msg, origin);
    }

    function stopHello() {
      clearInterval(hello);
      clearTimeout(deadline);
      hello = deadline = null;
    }

    function fail(code, message) {
      // Refusals of subscribes already in flight repeat the first: say it once.
      if (failure) return;
      stopHello();
      var err = PipeScopeError(code, message);
      failure = err;
      settleReady.reject(err);
      Object.keys(pending).forEach(function (id) { pending[id].reject(err); delete pending[id]; });
      queue = [];
      emit('error', { pipescope: PROTOCOL, type: 'error', code: code, message: message });
    }

    function onMessage(e) {
      // Only the frame this call made, and only while it shows the pipescope origin.
      if (e.source !== frame.contentWindow || e.origin !== origin) return;
      var msg = e.data;
      if (!msg || typeof msg !== 'object' || msg.pipescope !== PROTOCOL || typeof msg.type !== 'string') return;
      if (msg.type === 'ready') {
        stopHello();
        // Told unasked and in answer to a subscribe: the same start, said once.
        if (isReady) return;
        isReady = true;
        settleReady.resolve(msg);
        queue.splice(0).forEach(post);
      } else if (msg.type === 'accepted' && msg.id != null && pending[msg.id]) {
        pending[msg.id].resolve(msg);
        delete pending[msg.id];
        return;
      } else if (msg.type === 'error') {
        if (msg.code === 'origin' && !isReady) {
          // The page refuses this portal: no point in asking again.
          fail('origin', msg.message);
          return;
        }
        if (msg.id != null && pending[msg.id]) {
          pending[msg.id].reject(PipeScopeError(msg.code, msg.message, msg.id));
          delete pending[msg.id];
        }
      }
      if (handlers[msg.type]) emit(msg.type, msg);
    }

    function send(msg) {
      if (destroyed) return Promise.reject(PipeScopeError('destroyed', 'this pipescope was destroyed'));
      if (failure) return Promise.reject(failure);
      var id = 'ps' + nextId++;
      msg.pipescope = PROTOCOL;
      msg.id = id;
      var done = new Promise(function (resolve, reject) { pending[id] = { resolve: resolve, reject: reject }; });
      if (isReady) post(msg); else queue.push(msg);
      return done;
    }

    window.addEventListener('message', onMessage);
    frame.addEventListener('load', function () {
      if (destroyed || failure) return;
      // A load after the first is the page reloading (an update, the user): it starts
      // afresh, so subscribe again; commands wait for its 'ready'.
      isReady = false;
      // The page answers 'subscribe' once its module has started; ask until it does.
      stopHello();
      var ask = function () { post({ pipescope: PROTOCOL, type: 'subscribe' }); };
      ask();
      hello = setInterval(ask, 200);
      deadline = setTimeout(function () {
        fail('timeout', 'pipescope at ' + src.href + ' did not answer within ' + (options.readyTimeout || 30000) / 1000 +
          ' s: is it the pipescope page, and does it allow this origin (' + location.origin + ')?');
      }, options.readyTimeout || 30000);
    });
    host.appendChild(frame);

    var api = {
      /** The iframe. */
      iframe: frame,
      /** The pipescope page's origin. */
      origin: origin,
      /** Resolves with the 'ready' message (rejects if the page refuses this portal). */
      ready: ready,
      /** Shows a workspace: distribution, monitor, errors or incidents. */
      open: function (workspace) { return send({ type: 'open', workspace: workspace }); },
      /**
       * Loads a file as if dropped on a workspace (default: the one shown): a File or Blob,
       * or {name, data} with data a string, ArrayBuffer, typed array or Blob.
       */
      loadFile: function (file, opts) {
        opts = opts || {};
        var isBlob = typeof Blob !== 'undefined' && file instanceof Blob;
        var msg = { type: 'file', data: isBlob ? file : file && file.data, name: opts.name || (isBlob ? file.name : file && file.name) };
        var ws = opts.workspace || (!isBlob && file && file.workspace);
        if (ws) msg.workspace = ws;
        return send(msg);
      },
      /** Watches a live source in the Monitor: a Prometheus server {prom, query, step, history, from, to}, or an event feed of metric points {feed, kind, poll}. */
      connect: function (source) {
        source = source || {};
        var msg = { type: 'source' };
        ['prom', 'query', 'step', 'history', 'from', 'to', 'feed', 'kind', 'poll'].forEach(function (k) {
          if (source[k] !== undefined) msg[k] = source[k];
        });
        return send(msg);
      },
      /** Stops the Monitor's live source. */
      stop: function () { return send({ type: 'stop' }); },
      /** Sends a raw protocol message ({type, ...}); resolves on 'accepted'. */
      send: function (msg) { return send(Object.assign({}, msg)); },
      /** Calls fn(message) on 'ready', 'status', 'workspace', 'incident', 'problem' or 'error'; returns an unsubscribe function. */
      on: function (type, fn) {
        if (!handlers[type]) throw PipeScopeError('event', 'unknown pipescope event ' + type + '; events: ' + EVENTS.join(', '));
        handlers[type].push(fn);
        return function () { api.off(type, fn); };
      },
      /** Removes a handler. */
      off: function (type, fn) {
        if (handlers[type]) handlers[type] = handlers[type].filter(function (h) { return h !== fn; });
      },
      /** Removes the frame and every listener; pending commands reject. */
      destroy: function () {
        if (destroyed) return;
        stopHello();
        destroyed = true;
        window.removeEventListener('message', onMessage);
        var err = PipeScopeError('destroyed', 'this pipescope was destroyed');
        Object.keys(pending).forEach(function (id) { pending[id].reject(err); delete pending[id]; });
        if (!isReady) settleReady.reject(err);
        if (frame.parentNode) frame.parentNode.removeChild(frame);
      },
    };

    if (options.file) api.loadFile(options.file, { workspace: options.file.workspace || options.workspace });
    if (options.source) api.connect(options.source);
    return api;
  }

  global.PipeScope = { mount: mount, protocol: PROTOCOL };
})(typeof window !== 'undefined' ? window : this);
