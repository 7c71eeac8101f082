<?xml version="1.0" encoding="UTF-8"?>
<!--
  The text of a TEI document as the search index reads it (search.py), in one transformation:
  libxslt copies the text in C, several times faster than a walk of the tree in Python.

  Output: plain text in which U+E000 opens a passage (every turn, every paragraph outside
  turns and notes: the passages of render.passage_anchors, in the same order), U+E001 ends the
  speaker label of a turn, and U+E002 closes a passage (what follows, up to the next passage,
  is text outside passages: heads, lists, signatures). Every text node is followed by a space,
  as words in different elements are different words ("Sinuiju" and its "Sinŭiju"), and its
  spaces are normalised; a text node of spaces alone leaves a space too, so that the text has
  runs of spaces (ASCII spaces only), which search.py makes one.
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:tei="http://www.tei-c.org/ns/1.0"
    exclude-result-prefixes="tei">

  <xsl:output method="text" encoding="UTF-8"/>

  <xsl:template match="/">
    <xsl:apply-templates select="tei:TEI/tei:text"/>
  </xsl:template>

  <!-- Modes instead of a pattern with ancestor:: (libxslt would walk the ancestors of every
       p): in mode "in", inside a turn or a note, a paragraph is no passage; a turn always is. -->
  <xsl:template match="tei:sp">
    <xsl:text>&#xE000;</xsl:text>
    <xsl:apply-templates mode="in"/>
    <xsl:text>&#xE002;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:sp" mode="in">
    <xsl:text>&#xE000;</xsl:text>
    <xsl:apply-templates mode="in"/>
    <xsl:text>&#xE002;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:p">
    <xsl:text>&#xE000;</xsl:text>
    <xsl:apply-templates/>
    <xsl:text>&#xE002;</xsl:text>
  </xsl:template>

  <xsl:template match="tei:note">
    <xsl:apply-templates mode="in"/>
  </xsl:template>

  <xsl:template match="tei:sp/tei:speaker" mode="in">
    <xsl:apply-templates mode="in"/>
    <xsl:text>&#xE001;</xsl:text>
  </xsl:template>

  <!-- Spaces normalised here, in C. A text node of spaces alone gives one space all the same
       (a test for it cost a third of the transformation): search.py makes the runs of spaces
       one space and trims each passage. -->
  <xsl:template match="text()">
    <xsl:value-of select="normalize-space(.)"/>
    <xsl:text> </xsl:text>
  </xsl:template>

  <xsl:template match="text()" mode="in">
    <xsl:value-of select="normalize-space(.)"/>
    <xsl:text> </xsl:text>
  </xsl:template>

</xsl:stylesheet>
