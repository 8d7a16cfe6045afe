// duijie widget embed: a portal pastes
//   <script src="https://HOST/embed.js" data-region="440000" data-kinds="expert,achievement" async></script>
// and gets the widget in an iframe from the duijie origin, sized to its content up to the height of
// the window (the widget then scrolls inside; data-max-height="900" sets another limit in pixels,
// "none" none). data-fair="2025 对接会" records every intent at that fair; data-lang="en" starts in
// English. The page can listen:
//   window.addEventListener('duijie:shortlist', (event) => console.log(event.detail.items));
//   window.addEventListener('duijie:error', (event) => console.log(event.detail.reason));
// and set the need text: document.querySelector('iframe[data-duijie]').duijieSetNeed('锂电池热失控');
//
// The duijie service lets only the portal origins it is configured with frame the widget. From any
// other origin the browser would show a broken frame and say why only in the console, so this
// script asks the service first (/api/v1/embed/check) and, if the page's origin is not allowed,
// puts a notice in words where the widget would be.
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script || !script.src) return;
  var widgetOrigin = new URL(script.src).origin;
  var pageOrigin = window.location.origin;
  var query = new URLSearchParams();
  query.set('embed', '1');
  query.set('parent', pageOrigin);
  ['region', 'kinds', 'lang', 'fair'].forEach(function (name) {
    var value = script.getAttribute('data-' + name);
    if (value) query.set(name, value);
  });
  var iframe = document.createElement('iframe');
  iframe.src = widgetOrigin + '/?' + query.toString();
  iframe.title = script.getAttribute('data-title') || '科技需求对接 duijie';
  iframe.setAttribute('data-duijie', '');
  iframe.setAttribute('loading', 'lazy');
  // The iframe must send a referrer: the widget believes `parent` only when the referrer agrees.
  iframe.setAttribute('referrerpolicy', 'strict-origin-when-cross-origin');
  iframe.style.cssText = 'width:100%;min-height:480px;border:0;display:block;';
  script.parentNode.insertBefore(iframe, script.nextSibling);

  // The tallest the frame grows: the window's height by default, so that a long result list scrolls
  // inside the widget (whose shortlist stays in view) instead of making the host page 3,000 px long.
  var maxHeightAttribute = script.getAttribute('data-max-height');
  function maxHeight() {
    if (maxHeightAttribute === 'none') return Infinity;
    var given = parseInt(maxHeightAttribute, 10);
    if (given > 0) return Math.max(200, given);
    return Math.max(480, window.innerHeight - 16);
  }
  var contentHeight = 0;
  function fit() {
    if (contentHeight > 0) iframe.style.height = Math.max(200, Math.min(Math.ceil(contentHeight), maxHeight())) + 'px';
  }
  window.addEventListener('resize', fit);

  var heard = false;
  window.addEventListener('message', function (event) {
    // Only the widget's own origin and window may talk to this page.
    if (event.origin !== widgetOrigin || event.source !== iframe.contentWindow) return;
    var data = event.data || {};
    if (data.type === 'duijie:height' && typeof data.height === 'number') {
      heard = true;
      contentHeight = data.height;
      fit();
    } else if (data.type === 'duijie:shortlist') {
      window.dispatchEvent(new CustomEvent('duijie:shortlist', { detail: { items: data.items || [] } }));
    }
  });

  iframe.duijieSetNeed = function (text) {
    iframe.contentWindow.postMessage({ type: 'duijie:need', text: String(text) }, widgetOrigin);
  };

  // A notice in words in place of the frame, for the portal's visitors and its webmaster.
  function notice(reason, zh, en) {
    var box = document.createElement('div');
    box.setAttribute('data-duijie-notice', reason);
    box.setAttribute('role', 'alert');
    box.style.cssText = 'border:1px solid #e0b4b4;background:#fff6f6;color:#6b1d1d;padding:12px 16px;' +
      'border-radius:8px;font:14px/1.6 system-ui,"PingFang SC","Microsoft YaHei",sans-serif;';
    [zh, en].forEach(function (text) {
      var line = document.createElement('p');
      line.style.margin = '4px 0';
      line.textContent = text;
      box.appendChild(line);
    });
    if (iframe.parentNode) iframe.parentNode.replaceChild(box, iframe);
    if (window.console) console.error('duijie embed: ' + en);
    window.dispatchEvent(new CustomEvent('duijie:error', { detail: { reason: reason, origin: pageOrigin, service: widgetOrigin } }));
  }

  // The service's own pages may always frame the widget.
  if (pageOrigin === widgetOrigin) return;
  fetch(widgetOrigin + '/api/v1/embed/check', { mode: 'cors', credentials: 'omit', cache: 'no-store' })
    .then(function (response) { return response.json(); })
    .then(function (answer) {
      if (answer && answer.allowed === false) {
        notice('origin_not_allowed',
          '科技需求对接组件无法在此页面显示：本页面的来源 ' + pageOrigin + ' 未在 duijie 服务（' + widgetOrigin +
            '）中登记为可嵌入的门户。请服务管理员在启动 duijie serve 时加上 --cors-origin ' + pageOrigin +
            '（或写入 DUIJIE_CORS_ORIGINS）。',
          'The duijie widget cannot be shown on this page: its origin ' + pageOrigin +
            ' is not configured as a portal on the duijie service (' + widgetOrigin +
            '). Start duijie serve with --cors-origin ' + pageOrigin + ' (or add it to DUIJIE_CORS_ORIGINS).');
      }
    })
    .catch(function () {
      // The service could not be asked. The frame may still come (from the widget's offline copy),
      // so the notice waits to see whether the widget says anything.
      setTimeout(function () {
        if (!heard) {
          notice('service_unreachable',
            '科技需求对接组件暂时无法加载：无法连接 duijie 服务（' + widgetOrigin + '），请稍后刷新页面。',
            'The duijie widget cannot be loaded now: the duijie service (' + widgetOrigin +
              ') cannot be reached. Reload the page later.');
        }
      }, 10000);
    });
})();
