<?xml version="1.0" encoding="utf-8"?>
<!-- Shows a blog's Atom or RSS feed to a visitor who opens it in a browser: what a feed is,
     how to follow the blog, and the newest posts. Feed readers ignore this stylesheet.
     Only text and our own post links are copied from the feed (never its HTML). -->
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
  xmlns:atom="http://www.w3.org/2005/Atom" exclude-result-prefixes="atom">
<xsl:output method="html" encoding="utf-8" indent="yes"/>
<xsl:variable name="title" select="atom:feed/atom:title | rss/channel/title"/>
<xsl:variable name="self" select="atom:feed/atom:link[@rel='self']/@href | rss/channel/link"/>
<xsl:template match="/">
<html lang="en">
<head>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<title><xsl:value-of select="$title"/> · feed</title>
<link rel="stylesheet" href="/static/quire.css"/>
<link rel="icon" href="/favicon.ico"/>
</head>
<body>
<div class="wrap">
<header class="site"><a class="brand" href="/"><xsl:value-of select="$title"/></a></header>
<main>
<p class="notice">This is the feed of <strong><xsl:value-of select="$title"/></strong>.
Subscribe to it in a feed reader (such as NetNewsWire, Feedly, Inoreader or Thunderbird) to
follow new posts: copy this page's address into your reader.</p>
<h1>Follow <xsl:value-of select="$title"/></h1>
<p class="muted"><xsl:value-of select="atom:feed/atom:subtitle | rss/channel/description"/></p>
<h2>Newest posts</h2>
<ul class="post-list">
<xsl:for-each select="atom:feed/atom:entry | rss/channel/item">
<li><h2><a href="{atom:link/@href | link}"><xsl:value-of select="atom:title | title"/></a></h2>
<div class="muted"><xsl:value-of select="substring(atom:published | pubDate, 1, 16)"/></div></li>
</xsl:for-each>
</ul>
<p><a href="/">Back to the blog</a></p>
</main>
</div>
</body>
</html>
</xsl:template>
</xsl:stylesheet>
