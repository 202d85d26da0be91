// GraphiQL for Hindsight: vendored assets only (no CDN), started from this file so the page
// runs under `Content-Security-Policy: default-src 'self'` (no inline script).
(function () {
  "use strict";
  const EXAMPLE = `# Hindsight GraphiQL. Run with Ctrl-Enter; the explorer is on the left.
{
  viewer { subject tenant role team }
  calibrationCurves { actionType sampleCount brierScore ece multiplier }
}
`;
  const meta = document.querySelector('meta[name="hindsight-headers"]');
  const presetHeaders = meta && meta.content ? meta.content : undefined;
  const url = new URL("/graphql", window.location.href).toString();
  const subscriptionUrl = url.replace(/^http/, "ws");
  const fetcher = GraphiQL.createFetcher({ url, subscriptionUrl });
  const explorer = GraphiQLPluginExplorer.explorerPlugin();

  function App() {
    return React.createElement(GraphiQL, {
      fetcher,
      plugins: [explorer],
      defaultQuery: EXAMPLE,
      // Embedded mode prefills the demo token; production starts with no headers.
      headers: presetHeaders,
      defaultHeaders: presetHeaders,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: !presetHeaders,
      defaultEditorToolsVisibility: presetHeaders ? "headers" : true,
      inputValueDeprecation: true,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(App));
})();
