"""A page that exercises every rule of the learned extractor's walk: transforms/extract_native.py reads it
with the C walk and the Python walk before the C one is used, and the tests read it too."""

PROBE = """<!doctype html><html><head><title>Probe page: the walk's rules</title>
<script type="application/ld+json">{"@type": "NewsArticle"}</script></head>
<body class="home page-template"><!-- a comment -->
<header id="masthead" class="site-header"><nav class="main-nav"><ul><li><a href="/">Home</a></li>
<li><a href="/news">News &amp; views</a></li><li class="menu-item"><a href="/x">Über uns</a></li></ul></nav>
</header>
<main id="content"><article class="post entry-content">
<h1 class="entry-title">Probe page: the walk's rules</h1>
<p class="byline">By <a href="/a">A. Writer</a> on <time>3 May 2024</time></p>
<p>First paragraph with <b>bold</b>, <em>emphasis</em> and a <a href="/l">link inside</a> it.
It runs over a source line\u00a0with a no-break space,\u2003an em space and\u3000an ideographic one.</p>
<div class="intro">Text of a div before its <p>nested paragraph</p> and after it<br>on a new line<br><br>
</div>
<pre class="code">  indented code
    keeps its layout

</pre>
<pre>

</pre>
<table class="data"><tr><th>Name</th><th>Value</th></tr><tr><td>alpha</td><td></td><td>٣٤ ١٢</td></tr>
<tr><td><a href="/r">linked cell</a></td></tr></table>
<ul class="related-posts"><li><a href="/1">Another story</a></li><li><a href="/2">Another story</a></li></ul>
<dl><dt>Term</dt><dd>Its definition. ÀÉÎ</dd></dl>
<blockquote>A quote, ending in a quote mark.”</blockquote>
<figure><img src="x.png" alt="never read"><figcaption>A caption (2024)</figcaption></figure>
<div hidden>hidden by attribute</div><div aria-hidden="true">hidden from screen readers</div>
<div aria-hidden="false">shown to everyone</div>
<span class="sr-only">screen-reader text</span><span class="x SR-ONLY">upper-case class</span>
<span class="visually-hidden y">non-ASCII space in classes</span>
<div class="ÜberSicht Sidebar\u00a0widget" id="side">classes that are not ASCII</div>
<div class="	ADS
 top-bar" id="">upper-case and odd whitespace in classes</div>
<my-element class="custom">a custom element's text</my-element>
<select><option>never read</option></select><textarea>never read</textarea>
<noscript><div class="noscript-only">Shown without JavaScript, with enough words.</div></noscript>
<template id="B:0"></template><template id="P:9"></template>
<svg><title>never read</title><text>never read</text></svg>
<div itemprop="articleBody"><p>Body text marked as such.</p>
<span itemprop="datePublished" style="DISPLAY : None">2024-05-03T10:00:00Z</span>
<span itemprop="keywords image">probe, rules</span><div style="color: red; visibility: hidden">odd space</div>
<div itemprop="author" itemscope itemtype="https://schema.org/Person">A. Writer</div>
<div itemprop="publisher Ünique">Publisher with a non-ASCII property</div>
<div itemprop="mainEntityOfPage"><p>A metadata property around prose is no metadata: this paragraph is long
enough to be read, with well over two hundred characters of text in it, which no date, keyword list, image
address or name ever has, so the walk reads it on an article page too, as the page shows it.</p></div>
<div itemprop="dateModified">  2024-05-04  </div>
<div style="font-family: 'Ünicode'; display:none">non-ASCII style</div></div>
<h2>Comments</h2><ol class="comment-list"><li class="comment" itemscope itemtype="http://schema.org/Comment">
<p>A reader's comment!</p></li></ol>
<section class="post-tags more" id="from-the-archive"><p>Tagged: probe, rules</p></section>
<div class="related_links ÜberSicht"><p>A related link</p></div><div class="READ next"><p>Next story</p></div>
<div class="hentry related"><p>A post container with related in its classes</p></div>
<h3></h3><p>   </p><p>Last one? Yes.</p>
</article></main>
<aside class="sidebar"><h4>Archives</h4><ul><li><a href="/2024/05">May 2024</a> (3)</li></ul></aside>
<footer><p>© 2024 Probe · <a href="/privacy">Privacy</a></p></footer>
<div hidden id="S:0"><p>A streamed segment, read where its template is.</p></div>
<div hidden id="S:5"><p>A segment no template asks for.</p></div>
<script>var x = "<p>never read</p>";</script><style>p { color: red }</style>
</body></html>"""
