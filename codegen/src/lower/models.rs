//! Stage 3, models: each spec model becomes a struct, an enum or an alias of a model file.

use super::*;
use crate::bind::BoundFile;

impl Lowerer<'_> {
    pub(super) fn model_file(&mut self, file: &BoundFile<'_>) -> ModelFile {
        let resolved = self.resolved;
        let mut sorted: Vec<_> = file.models.iter().map(|id| resolved.model(*id)).collect();
        sorted.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
        let mut imports = ModelImports::default();
        let mut foreign = BTreeSet::new();
        let mut items = Vec::new();
        for model in sorted {
            let target = self.ident(&model.spec.name);
            if !model.is_enum() {
                let mut fields = Vec::new();
                for f in &model.fields {
                    for r in f.ty.models() {
                        if resolved.model(r.id).file != file.index {
                            foreign.insert(r.name.clone());
                        }
                    }
                    imports.timestamp |= f.ty.mentions_datetime();
                    imports.btree_map |= f.ty.has_map();
                    let inner = self.rust_type(&f.ty, Side::Models);
                    let optional = f.spec.optional;
                    fields.push(StructField {
                        ident: self.ident(&f.rust),
                        docs: doc_lines(&f.spec.doc),
                        ty: if optional {
                            quote!(Option<#inner>)
                        } else {
                            inner
                        },
                        rename: (f.rust != f.spec.name).then(|| f.spec.name.clone()),
                        wire: f.spec.name.clone(),
                        optional,
                        empty_as_none: optional && f.ty.is_datetime(),
                        secret: f.spec.secret,
                    });
                }
                imports.redacted |= fields.iter().any(|f| f.secret);
                imports.empty_as_none |= fields.iter().any(|f| f.empty_as_none);
                items.push(ModelItem::Struct(StructModel {
                    ident: target.clone(),
                    docs: doc_lines(&model.spec.doc),
                    fields,
                }));
            } else {
                imports.enums = true;
                let mut variants = Vec::new();
                for v in &model.variants {
                    let docs = match &v.spec.doc {
                        Some(doc) => doc_lines(doc),
                        None => vec![format!("`{}`", v.spec.value)],
                    };
                    variants.push(EnumVariant {
                        ident: self.ident(&v.rust),
                        wire: v.spec.value.clone(),
                        docs,
                    });
                }
                items.push(ModelItem::Enum(EnumModel {
                    ident: target.clone(),
                    docs: doc_lines(&model.spec.doc),
                    variants,
                }));
            }
            for alias in &model.spec.aliases {
                items.push(ModelItem::Alias(AliasModel {
                    ident: self.ident(alias),
                    target: target.clone(),
                    docs: vec![format!(
                        "Another name for [`{}`], kept because the reference library uses it.",
                        model.spec.name
                    )],
                }));
            }
        }
        imports.models = foreign.iter().map(|name| self.ident(name)).collect();
        ModelFile {
            module: self.ident(file.stem),
            source: self.file.clone(),
            docs: vec![format!("The models of the {} group of Helix.", file.title)],
            imports,
            items,
        }
    }
}
